"""Helpers and fixtures for the review web app (loaded by conftest.py as ``review_helpers``): a migrated database with a small demo show, the real central
app (``central.app.create_app``, which mounts the review app), users of every role, and a client
that signs in through the real sign-in form."""
from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest

PASSWORD = "correct horse battery"
USERS = {"marketer": ("fm@example.com", "field_marketer"), "sales": ("sales@example.com", "sales"),
         "admin": ("admin@example.com", "admin")}


class Clock:
    """A settable clock for session expiry tests (starting now, or at ``start``)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def make_users(db: Any) -> None:
    from central.web.users import add_user
    with db.session() as s:
        for email, role in USERS.values():
            add_user(s, email, role, PASSWORD, name=email.split("@")[0].title())


def build_app(url: str, leads: int = 120) -> Any:
    from central.app import create_app
    from central.web.demo import load_demo
    app = create_app(url)
    db = app.state.db
    load_demo(db, show_id="expo", name="Test Expo", leads=leads, seed=3, cost=12000.0)
    make_users(db)
    return app


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated database with the demo show and users, built once (Argon2 hashing and the demo
    load are the slow part); each test gets its own copy of the file."""
    path = tmp_path_factory.mktemp("review-template") / "central.db"
    a = build_app(f"sqlite:///{path}")
    a.state.db.dispose()
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, template_db: Path) -> str:
    import shutil
    dest = tmp_path / "central.db"
    shutil.copyfile(template_db, dest)
    return f"sqlite:///{dest}"


@pytest.fixture
def app(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[Any]:
    """The review app on a settable clock. Parametrize indirectly with ``"year-ahead"`` to run a
    test on a clock 400 days after the real one (the guard: sessions read the app's clock only)."""
    from central.app import create_app
    from tests.support.clock import YEAR_AHEAD
    a = create_app(sqlite_url)
    start = getattr(request, "param", "now")
    assert start in ("now", "year-ahead"), start
    a.state.review.settings.clock = Clock(datetime.now(timezone.utc) + YEAR_AHEAD if start == "year-ahead" else None)
    yield a
    a.state.db.dispose()


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "page has no CSRF field"
    return m.group(1)


@dataclass
class Browser:
    """A TestClient signed in as one user, with helpers for the forms."""

    client: Any
    email: str

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, **kw)

    def notice(self, response: Any) -> str:
        """Follow a form's 303 and return the notice the next page shows ("ok: ..." / "err: ...";
        "" when none). Notices live in the session, never in the redirect's URL."""
        assert response.status_code == 303, response.text[:500]
        assert "msg=" not in response.headers["location"] and "err=" not in response.headers["location"]
        html = self.client.get(response.headers["location"]).text
        m = re.search(r'<div class="flash (ok|err)"[^>]*>(.*?)</div>', html, re.S)
        return f"{m.group(1)}: {m.group(2)}" if m else ""

    def post_form(self, page_url: str, action: str, data: dict[str, str], **kw: Any) -> Any:
        page = self.client.get(page_url)
        assert page.status_code == 200, page.text[:500]
        return self.client.post(action, data={"csrf": csrf_of(page.text), **data}, follow_redirects=False, **kw)


def sign_in(app: Any, who: str) -> Browser:
    from fastapi.testclient import TestClient
    email, _ = USERS[who]
    c = TestClient(app)
    page = c.get("/login")
    r = c.post("/login", data={"email": email, "password": PASSWORD, "csrf": csrf_of(page.text), "next": "/shows"},
               follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    return Browser(c, email)


@pytest.fixture
def as_marketer(app: Any) -> Browser:
    return sign_in(app, "marketer")


@pytest.fixture
def as_sales(app: Any) -> Browser:
    return sign_in(app, "sales")


@pytest.fixture
def as_admin(app: Any) -> Browser:
    return sign_in(app, "admin")


# --- a real server on loopback and headless Chromium (the browser tests) -----------------------------
CHROMIUM = os.environ.get("LEADKIOSK_CHROMIUM") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture
def server(app):
    import uvicorn
    from leadkiosk_test_pg import free_port  # type: ignore[import-not-found]
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 15
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    t.join(10)


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set LEADKIOSK_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    from tests.support.clock import real_clock_environ
    with real_clock_environ():  # Chromium cannot run under libfaketime (run-tests-shifted)
        p = sync_playwright().start()
    try:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()
    finally:
        p.stop()



def signed_in_page(browser: Any, server: str, who: str = "admin", width: int = 1280, height: int = 860) -> Any:
    """A Chromium page at the given viewport, signed in through the real sign-in form."""
    ctx = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    page = ctx.new_page()
    page.goto(server + "/login")
    page.fill("#email", USERS[who][0])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/shows")
    return page
