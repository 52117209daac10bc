"""Issue 18, item 5: access can be taken away. ``leadkiosk central user disable --email E`` (and
``enable``), ``revoke-tokens``, and a password reset end the user's browser sessions and revoke
their ``lkr_`` API tokens; the Users page does the same."""
from __future__ import annotations

import io
import json
import re
import sys

from fastapi.testclient import TestClient
from review_helpers import PASSWORD, csrf_of, sign_in

from kiosk.cli import main

REPORT = "/api/review/v1/shows/expo/report"


def _token(db_url: str, email: str, capsys) -> str:  # type: ignore[no-untyped-def]
    capsys.readouterr()
    assert main(["central", "user", "token", "--db", db_url, "--email", email]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("lkr_")
    return token


def _api_ok(app, token: str) -> bool:  # type: ignore[no-untyped-def]
    r = TestClient(app).get(REPORT, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code in (200, 401), r.status_code
    return r.status_code == 200


def _session_alive(browser) -> bool:  # type: ignore[no-untyped-def]
    r = browser.get("/shows", follow_redirects=False)
    return r.status_code == 200


def _can_sign_in(app, email: str, password: str = PASSWORD) -> bool:  # type: ignore[no-untyped-def]
    c = TestClient(app)
    r = c.post("/login", data={"email": email, "password": password, "csrf": csrf_of(c.get("/login").text)},
               follow_redirects=False)
    return r.status_code == 303


def test_cli_disable_and_enable(app, sqlite_url, as_marketer, capsys):
    token = _token(sqlite_url, "fm@example.com", capsys)
    assert _api_ok(app, token) and _session_alive(as_marketer)
    assert main(["central", "user", "disable", "--db", sqlite_url, "--email", "FM@example.com"]) == 0
    assert "disabled" in capsys.readouterr().out
    assert not _session_alive(as_marketer)
    assert not _api_ok(app, token)
    assert not _can_sign_in(app, "fm@example.com")
    assert main(["central", "user", "list", "--db", sqlite_url, "--json"]) == 0
    listed = {u["email"]: u for u in json.loads(capsys.readouterr().out)}
    assert listed["fm@example.com"]["disabled"] is True
    assert main(["central", "user", "enable", "--db", sqlite_url, "--email", "fm@example.com"]) == 0
    assert _can_sign_in(app, "fm@example.com")
    assert not _api_ok(app, token)                      # a revoked token stays revoked
    assert _api_ok(app, _token(sqlite_url, "fm@example.com", capsys))
    assert main(["central", "user", "disable", "--db", sqlite_url, "--email", "nobody@example.com"]) == 1
    assert "no user nobody@example.com" in capsys.readouterr().err


def test_password_reset_by_cli_ends_sessions_and_tokens(app, sqlite_url, as_marketer, capsys, monkeypatch):
    token = _token(sqlite_url, "fm@example.com", capsys)
    monkeypatch.setattr(sys, "stdin", io.StringIO("a brand new password\n"))
    assert main(["central", "user", "add", "--db", sqlite_url, "--email", "fm@example.com", "--role", "field_marketer",
                 "--password-stdin", "--replace"]) == 0
    assert not _session_alive(as_marketer)
    assert not _api_ok(app, token)
    assert _can_sign_in(app, "fm@example.com", "a brand new password")


def test_revoke_tokens_by_cli_keeps_the_session(app, sqlite_url, as_marketer, capsys):
    t1, t2 = _token(sqlite_url, "fm@example.com", capsys), _token(sqlite_url, "fm@example.com", capsys)
    assert main(["central", "user", "revoke-tokens", "--db", sqlite_url, "--email", "fm@example.com"]) == 0
    assert "2 API tokens revoked" in capsys.readouterr().out
    assert not _api_ok(app, t1) and not _api_ok(app, t2)
    assert _session_alive(as_marketer)


def _user_id(html: str, email: str) -> int:
    m = re.search(r'<tr id="user-(\d+)"[^>]*><td>' + re.escape(email) + "</td>", html)
    assert m, f"{email} not on the Users page"
    return int(m.group(1))


def test_users_page_disable_enable_password_tokens(app, sqlite_url, as_admin, capsys):
    victim = sign_in(app, "sales")
    token = _token(sqlite_url, "sales@example.com", capsys)
    page = as_admin.get("/users").text
    uid = _user_id(page, "sales@example.com")
    assert "1 API token" in page
    note = as_admin.notice(as_admin.post_form("/users", f"/users/{uid}/disable", {}))
    assert note.startswith("ok: User sales@example.com disabled")
    assert not _session_alive(victim) and not _api_ok(app, token)
    assert not _can_sign_in(app, "sales@example.com")
    assert "disabled" in as_admin.get("/users").text
    assert as_admin.notice(as_admin.post_form("/users", f"/users/{uid}/enable", {})).startswith("ok: User sales@example.com enabled")
    victim = sign_in(app, "sales")
    note = as_admin.notice(as_admin.post_form("/users", f"/users/{uid}/password", {"password": "changed by admin"}))
    assert "sessions ended" in note
    assert not _session_alive(victim)
    assert _can_sign_in(app, "sales@example.com", "changed by admin")
    assert as_admin.notice(as_admin.post_form("/users", f"/users/{uid}/password", {"password": "short"})).startswith("err: password")
    t2 = _token(sqlite_url, "sales@example.com", capsys)
    assert as_admin.notice(as_admin.post_form("/users", f"/users/{uid}/revoke-tokens", {})).startswith("ok: 1 API token")
    assert not _api_ok(app, t2)
    me = _user_id(as_admin.get("/users").text, "admin@example.com")
    assert as_admin.notice(as_admin.post_form("/users", f"/users/{me}/disable", {})).startswith("err: you cannot disable yourself")
    assert _session_alive(as_admin)


def test_only_admins_manage_users(app, as_marketer, as_admin):
    uid = _user_id(as_admin.get("/users").text, "sales@example.com")
    r = as_marketer.client.post(f"/users/{uid}/disable", data={"csrf": "x"}, follow_redirects=False)
    assert r.status_code == 403
    r = as_admin.client.post(f"/users/{uid}/disable", data={"csrf": "wrong"}, follow_redirects=False)
    assert r.status_code == 403 and _can_sign_in(app, "sales@example.com")
