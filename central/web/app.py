"""Wiring of the review app into a FastAPI application: templates, static files, routers and the
handlers that turn "not signed in", "not allowed" and "bad CSRF token" into pages."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from central.db import Database
from central.web import fmt
from central.web.deps import CsrfFailed, Forbidden, LoginRequired, PageNotFound
from central.web.settings import ReviewSettings

HERE = Path(__file__).resolve().parent
STATIC_PREFIX = "/static/review"


@dataclass
class ReviewApp:
    """What every handler needs; stored on ``app.state.review``."""

    db: Database
    settings: ReviewSettings
    templates: Jinja2Templates


def make_templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(HERE / "templates"))
    env = t.env
    env.filters.update(dt=fmt.dt, ago=fmt.ago, pct=fmt.pct, money=fmt.money, num=fmt.num, ratio=fmt.ratio, val=fmt.val,
                       duration=fmt.duration, tel=fmt.tel)
    env.globals.update(static=STATIC_PREFIX)
    env.trim_blocks = True
    env.lstrip_blocks = True
    return t


def install(app: FastAPI, db: Database, settings: ReviewSettings | None = None) -> ReviewApp:
    from central.web.routes import api, auth, leads, notifications, outcomes, reports, sales, shows, users

    review = ReviewApp(db, settings or ReviewSettings.from_env(), make_templates())
    if db.dialect == "sqlite":
        _sqlite_read_pragmas(db)
    app.state.review = review
    app.mount(STATIC_PREFIX, StaticFiles(directory=str(HERE / "static")), name="review-static")
    for module in (auth, shows, leads, outcomes, reports, sales, users, notifications, api):
        app.include_router(module.router)
    app.include_router(sales.api_router)
    @app.get("/favicon.ico", include_in_schema=False)
    def _favicon() -> FileResponse:
        # browsers ask for /favicon.ico on every page whatever the <link rel=icon> says
        return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml",
                            headers={"Cache-Control": "public, max-age=86400"})

    if not any(getattr(r, "path", None) == "/" for r in app.routes):
        @app.get("/", include_in_schema=False)
        def _root() -> RedirectResponse:
            return RedirectResponse("/shows", status_code=303)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Any:
        nxt = request.url.path + (("?" + request.url.query) if request.url.query else "")
        resp = RedirectResponse(f"/login?next={fmt.quote(nxt)}" + ("&expired=1" if exc.expired else ""),
                                status_code=303)
        return resp

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Any:
        return error_page(request, 403, "Not allowed", str(exc))

    @app.exception_handler(PageNotFound)
    async def _missing(request: Request, exc: PageNotFound) -> Any:
        return error_page(request, 404, "Not found", str(exc))

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc: CsrfFailed) -> Any:
        return error_page(request, 403, "Form expired",
                          "The form's security token did not match (the page may be old, or the request "
                          "came from another site). Go back, reload the page and try again.")
    return review


def _sqlite_read_pragmas(db: Database) -> None:
    """The review pages read many fat lead rows (each holds its JSON record); SQLite's default
    2 MB page cache and read() calls make that 3-4x slower than memory-mapped reads. Applied to
    every new connection of the shared engine; pooled ones made before (the migration) are
    dropped so they reconnect with it."""
    from sqlalchemy import event

    if ":memory:" in db.url or db.url in ("sqlite://", "sqlite:///"):
        return

    @event.listens_for(db.engine, "connect")
    def _pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA mmap_size=1073741824")
        cur.execute("PRAGMA cache_size=-65536")
        cur.close()

    db.engine.dispose()


def error_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    review: ReviewApp = request.app.state.review
    return review.templates.TemplateResponse(request, "error.html",
                                             {"title": title, "message": message, "me": None, "nav": ""},
                                             status_code=status)
