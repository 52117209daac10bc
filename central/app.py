"""The central HTTP service.

Why FastAPI: it is actively maintained, runs on any ASGI server (uvicorn here), and derives an
OpenAPI description from the routes for free, which documents the kiosk protocol and lets
schemathesis generate requests against the real service in the tests.

Processes are stateless: every piece of state (devices, seen message ids, leads, the notification
queue) is in the database, so several uvicorn processes can run behind a load balancer against one
PostgreSQL. The notification worker thread in each process claims queue rows with a lease.
"""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, OperationalError

from central.db import Database
from central.errors import AuthError, CentralError, TooManyAttempts
from central.settings import Settings, load_settings
from central.timeutil import iso

log = logging.getLogger("central")


def install_http_security(app: FastAPI, settings: Settings) -> None:
    """Security headers on every response; proxy headers (X-Forwarded-Proto/-For) believed only
    from the configured ``[http] trusted_proxies`` (uvicorn's own handling is off, see cli)."""
    from central.httpsec import SecurityHeadersMiddleware

    app.add_middleware(SecurityHeadersMiddleware)
    if settings.trusted_proxies:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))


def create_app(db_url: str | None = None, settings: Settings | None = None, *, migrate: bool = True,
               start_worker: bool = False, web: bool = True) -> FastAPI:
    """Build the app for ``db_url`` (argument > LEADKIOSK_CENTRAL_DB > sqlite:///central.db).
    ``start_worker`` runs the notification and CRM outbox worker threads for the app's lifetime;
    ``web=False`` leaves out the review web app (the API alone, as the ingest tests use it)."""
    from central.api import admin, kiosk
    from central.migrate import upgrade
    from central.notify.worker import NotificationWorker
    from central.outbox import OutboxWorker

    settings = settings or load_settings()
    db = Database(db_url)
    if migrate:
        upgrade(db)
    worker = NotificationWorker(db, settings) if start_worker else None
    outbox = OutboxWorker(db, settings) if start_worker else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if worker:
            worker.start()
        if outbox:
            outbox.start()
        try:
            yield
        finally:
            if worker:
                worker.stop()
            if outbox:
                outbox.stop()
            db.dispose()

    # /docs and /openapi.json map the whole attack surface: off unless [http] docs = true.
    docs = {} if settings.docs else {"docs_url": None, "redoc_url": None, "openapi_url": None}
    app = FastAPI(title="leadkiosk central", version="1", lifespan=lifespan,
                  description="Receives leads from the kiosk fleet, serves show configuration, "
                              "notifies sales about hot leads.", **docs)
    install_http_security(app, settings)
    app.state.db = db
    app.state.settings = settings
    app.state.worker = worker

    @app.exception_handler(CentralError)
    async def _central_error(_: Request, exc: CentralError) -> JSONResponse:
        body: dict = {"detail": str(exc)}
        headers = {}
        if isinstance(exc, AuthError) and exc.status_code == 401:
            body["server_time"] = iso(settings.clock())  # lets a kiosk with a wrong clock re-sign correctly
            headers["WWW-Authenticate"] = "Bearer"
        if isinstance(exc, TooManyAttempts):
            headers["Retry-After"] = str(int(exc.retry_after_s) + 1)
        if exc.status_code >= 500:
            log.error("%s: %s", type(exc).__name__, exc)
        return JSONResponse(body, status_code=exc.status_code, headers=headers)

    @app.exception_handler(OperationalError)
    async def _db_down(_: Request, exc: OperationalError) -> JSONResponse:
        log.error("database error: %s", exc.orig)
        return JSONResponse({"detail": "database unavailable, retry later"}, status_code=503,
                            headers={"Retry-After": "5"})

    @app.exception_handler(DataError)
    async def _bad_value(_: Request, exc: DataError) -> JSONResponse:
        return JSONResponse({"detail": f"a value cannot be stored: {str(exc.orig).splitlines()[0]}"}, status_code=400)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict:
        """For the load balancer: this process can reach the database."""
        from sqlalchemy import text
        with db.begin() as conn:
            conn.execute(text("SELECT 1"))
        return {"ok": True, "db": db.dialect}

    app.include_router(kiosk.router)
    app.include_router(admin.router)

    if web:
        from central.web import mount  # the review web app
        review = mount(app, db)
        review.settings.clock = settings.clock  # one wall clock per process (tests may set either)
    return app
