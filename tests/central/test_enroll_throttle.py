"""Issue 18, item 4: the enrollment endpoint slows down code guessing per address (429 with
Retry-After and a clear message, logged); a right code waits too until the delay is over."""
from __future__ import annotations

import dataclasses
import logging
from typing import Any, Iterator

import pytest

from tests.support.clock import FakeClock


@pytest.fixture
def clocked(sqlite_url: str) -> Iterator[tuple[Any, FakeClock]]:
    from fastapi.testclient import TestClient

    from central.app import create_app
    from central.settings import Settings
    clock = FakeClock()
    app = create_app(sqlite_url, dataclasses.replace(Settings(), clock=clock), web=False)
    with TestClient(app) as c:
        yield c, clock


def test_guessing_enrollment_codes_is_held_back(clocked, caplog):
    from fastapi.testclient import TestClient

    from central.devices import new_enrollment_code
    client, clock = clocked
    caplog.set_level(logging.INFO, logger="central.security")
    codes = [client.post("/api/v1/enroll", json={"code": f"guess-{i:04d}", "kiosk_name": "x"}).status_code
             for i in range(15)]
    assert codes[:10] == [403] * 10 and codes[-1] == 429
    good = new_enrollment_code(client.app.state.db, "expo", now=clock())
    r = client.post("/api/v1/enroll", json={"code": good, "kiosk_name": "booth-1"})
    assert r.status_code == 429 and "too many wrong enrollment codes" in r.json()["detail"]
    assert int(r.headers["retry-after"]) > 0
    assert any("enrollment" in m and "testclient" in m for m in caplog.messages)
    other = TestClient(client.app, client=("198.51.100.9", 1234))
    assert other.post("/api/v1/enroll", json={"code": "guess-x", "kiosk_name": "x"}).status_code == 403
    clock.advance(minutes=16)
    r = client.post("/api/v1/enroll", json={"code": good, "kiosk_name": "booth-1"})
    assert r.status_code == 200, r.text
