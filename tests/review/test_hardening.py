"""Issue 18, items 6 and 7: security headers on every response, Secure cookies decided from the
request's scheme (proxy headers believed only from configured proxies), API docs off by default,
and notices kept in the session instead of ``?msg=``/``?err=`` in the URL."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from fastapi.testclient import TestClient
from review_helpers import PASSWORD, csrf_of

TEMPLATES = Path(__file__).resolve().parents[2] / "central" / "web" / "templates"


def _sign_in(client: TestClient, email: str = "admin@example.com"):  # type: ignore[no-untyped-def]
    page = client.get("/login")
    return client.post("/login", data={"email": email, "password": PASSWORD, "csrf": csrf_of(page.text)},
                       follow_redirects=False)


def _assert_hardened(r, *, no_store: bool = True) -> None:  # type: ignore[no-untyped-def]
    csp = r.headers.get("content-security-policy", "")
    directives = {d.strip().split()[0]: d.strip().split()[1:] for d in csp.split(";") if d.strip()}
    assert directives.get("script-src") == ["'self'"], csp          # no inline script, no eval
    assert directives.get("frame-ancestors") == ["'none'"], csp
    assert directives.get("object-src") == ["'none'"], csp
    assert r.headers.get("x-frame-options") == "DENY"
    assert r.headers.get("x-content-type-options") == "nosniff"
    assert r.headers.get("referrer-policy") in ("same-origin", "no-referrer", "strict-origin")
    if no_store:
        assert "no-store" in r.headers.get("cache-control", ""), (r.request.url, r.headers.get("cache-control"))


def test_pages_exports_and_api_carry_hardening_headers(app, as_marketer):
    _assert_hardened(TestClient(app).get("/login"))
    for url in ("/shows", "/shows/expo/leads", "/shows/expo/leads.csv", "/shows/expo/leads.xlsx", "/users"):
        r = as_marketer.get(url)
        assert r.status_code in (200, 403), (url, r.status_code)
        _assert_hardened(r)
    _assert_hardened(TestClient(app).get("/api/v1/config"))         # 401 from the kiosk API too
    _assert_hardened(TestClient(app).get("/healthz"))
    static = TestClient(app).get("/static/review/review.css")
    assert static.status_code == 200
    _assert_hardened(static, no_store=False)
    assert "no-store" not in static.headers.get("cache-control", "")  # static files may be cached


def test_templates_have_no_inline_script():
    """The CSP forbids inline script, so none may be written: every <script> has a src and no
    element has an on...= handler or a javascript: URL."""
    offenders = []
    for path in sorted(TEMPLATES.glob("*.html")):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"<script\b([^>]*)>", text, re.I):
            if "src=" not in m.group(1):
                offenders.append(f"{path.name}: inline <script>")
        for m in re.finditer(r"<[^>]*\son[a-z]+\s*=", text, re.I):
            offenders.append(f"{path.name}: handler {m.group(0)[:60]}")
        if "javascript:" in text.lower():
            offenders.append(f"{path.name}: javascript: URL")
    assert not offenders, offenders


def test_docs_and_openapi_off_by_default(app, sqlite_url):
    c = TestClient(app)
    for url in ("/docs", "/redoc", "/openapi.json"):
        assert c.get(url).status_code == 404, url
    from central.app import create_app
    from central.settings import Settings
    on = create_app(sqlite_url, dataclasses.replace(Settings(), docs=True))
    try:
        assert TestClient(on).get("/openapi.json").status_code == 200
    finally:
        on.state.db.dispose()


def _cookie(r, name: str = "lk_session") -> str:  # type: ignore[no-untyped-def]
    cookies = [v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith(name + "=")]
    assert cookies, (r.status_code, r.text[:300])
    return cookies[0]


def _login_cookie_secure(client: TestClient) -> bool:
    """The sign-in page's CSRF cookie follows the same rule as the session cookie. (Through a
    proxy the test client itself speaks plain HTTP, so it would not send a Secure cookie back.)"""
    return "secure" in _cookie(client.get("/login"), "lk_login_csrf").lower()


def test_session_cookie_secure_from_scheme_and_trusted_proxies_only(app, sqlite_url):
    plain = _sign_in(TestClient(app))
    assert plain.status_code == 303 and "secure" not in _cookie(plain).lower()
    tls = _sign_in(TestClient(app, base_url="https://testserver"))
    assert tls.status_code == 303 and "secure" in _cookie(tls).lower()
    # an untrusted peer claiming HTTPS is not believed (no proxies configured)
    assert not _login_cookie_secure(TestClient(app, client=("127.0.0.1", 4000),
                                               headers={"X-Forwarded-Proto": "https"}))
    from central.app import create_app
    from central.settings import Settings
    proxied = create_app(sqlite_url, dataclasses.replace(Settings(), trusted_proxies=("10.0.0.0/8",)))
    try:
        assert _login_cookie_secure(TestClient(proxied, client=("10.1.2.3", 4000),
                                               headers={"X-Forwarded-Proto": "https"}))
        assert not _login_cookie_secure(TestClient(proxied, client=("10.1.2.3", 4000)))
        assert not _login_cookie_secure(TestClient(proxied, client=("203.0.113.9", 4000),
                                                   headers={"X-Forwarded-Proto": "https"}))
    finally:
        proxied.state.db.dispose()


def test_settings_reject_a_bad_trusted_proxy():
    import pytest

    from central.errors import ConfigError
    from central.settings import parse_settings
    assert parse_settings({"http": {"trusted_proxies": ["10.0.0.5", "fd00::/8"], "docs": True}}).docs is True
    with pytest.raises(ConfigError) as e:
        parse_settings({"http": {"trusted_proxies": ["proxy.example"]}}, "central.toml")
    assert "http.trusted_proxies[0]" in str(e.value) and "central.toml" in str(e.value)


def test_notices_in_the_url_are_not_shown(as_admin):
    html = as_admin.get("/users", params={"msg": "Your account is suspended, call +1 555", "err": "Pay now"}).text
    assert "suspended" not in html and "Pay now" not in html


def test_notice_from_the_session_shows_once(as_admin):
    r = as_admin.post_form("/users", "/users", {"email": "once@example.com", "name": "Once", "role": "sales",
                                                "password": "long enough pw"})
    assert r.headers["location"] == "/users"
    assert as_admin.notice(r) == "ok: User once@example.com added."
    assert "once@example.com added" not in as_admin.get("/users").text      # shown once


def test_notice_escaped(as_admin):
    r = as_admin.post_form("/users", "/users", {"email": "<b>x</b>@example.com", "role": "sales",
                                                "password": "long enough pw"})
    note = as_admin.notice(r)
    assert "<b>" not in note and "&lt;b&gt;" in note


def test_export_of_an_odd_show_id_keeps_the_connection(app, as_marketer):
    """Item 8: a show id with a line break stored before ids were fully checked still exports
    (the download's file name is made of safe characters)."""
    from sqlalchemy import update

    from central.models import Show
    from central.web.models import Outcome  # noqa: F401  (review tables registered)
    with app.state.db.session() as s:
        s.execute(update(Show).where(Show.id == "expo").values(name="Expo"))
        show = s.get(Show, "expo")
        s.add(Show(id="nl\n", name="newline show", created_at=show.created_at, updated_at=show.updated_at,
                   config_json=show.config_json, form_yaml=show.form_yaml, form_version=show.form_version))
    for ext in ("csv", "xlsx"):
        r = as_marketer.get(f"/shows/nl%0A/leads.{ext}")
        assert r.status_code == 200, (ext, r.status_code)
        disposition = r.headers["content-disposition"]
        assert "\n" not in disposition and 'filename="leads-nl-' in disposition
