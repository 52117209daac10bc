"""Issue 18, item 4: review sign-in is slowed down per account and per address, with a clear
message, logged; the right password is not accepted at once after a run of wrong ones. Time is
the app's clock (moved by the test), never the calendar."""
from __future__ import annotations

import logging

from fastapi.testclient import TestClient
from review_helpers import PASSWORD, csrf_of


def _try(client: TestClient, email: str, password: str):  # type: ignore[no-untyped-def]
    tok = csrf_of(client.get("/login").text)
    return client.post("/login", data={"email": email, "password": password, "csrf": tok}, follow_redirects=False)


def test_forty_wrong_passwords_then_the_right_one_is_held_back(app, caplog):
    c = TestClient(app)
    caplog.set_level(logging.INFO, logger="central.security")
    codes = [_try(c, "fm@example.com", f"wrong {i}").status_code for i in range(40)]
    assert codes[:5] == [401] * 5 and 429 in codes
    r = _try(c, "fm@example.com", PASSWORD)
    assert r.status_code == 429 and "lk_session" not in r.headers.get("set-cookie", "")
    assert "Too many failed sign-ins" in r.text and "Try again in" in r.text
    assert int(r.headers["retry-after"]) > 0
    assert any("throttled" in m or "held back" in m for m in caplog.messages)
    assert any("fm@example.com" in m for m in caplog.messages)
    # another account from another address is not affected
    other = TestClient(app, client=("198.51.100.7", 5000))
    assert _try(other, "sales@example.com", PASSWORD).status_code == 303
    # the same account from another address is held back too (per account)
    third = TestClient(app, client=("198.51.100.7", 5001))
    assert _try(third, "fm@example.com", PASSWORD).status_code == 429
    # once the delay is over (at most 15 minutes), the right password works and clears the count
    app.state.review.settings.clock.advance(16 * 60)
    assert _try(c, "fm@example.com", PASSWORD).status_code == 303
    assert _try(TestClient(app), "fm@example.com", "wrong again").status_code == 401   # counting from 0


def test_a_few_typos_cost_nothing(app):
    c = TestClient(app)
    for i in range(4):
        assert _try(c, "fm@example.com", f"typo {i}").status_code == 401
    assert _try(c, "fm@example.com", PASSWORD).status_code == 303


def test_one_address_spraying_many_accounts_is_held_back(app):
    sprayer = TestClient(app, client=("203.0.113.50", 6000))
    codes = [_try(sprayer, f"user{i}@example.com", "Summer2026!").status_code for i in range(25)]
    assert codes[:20] == [401] * 20 and codes[-1] == 429
    r = _try(sprayer, "admin@example.com", PASSWORD)          # even a right password from there waits
    assert r.status_code == 429 and "from this network" in r.text
    elsewhere = TestClient(app, client=("198.51.100.8", 5000))
    assert _try(elsewhere, "admin@example.com", PASSWORD).status_code == 303
