"""Fixtures for the central tests: the database under test (SQLite file and a real PostgreSQL),
a real SMTP server on loopback (aiosmtpd), the app with its notification worker, and a kiosk
client that enrolls and signs its requests with the shared ``sync.record.signing``."""
from __future__ import annotations

import email
import email.policy
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterator

import pytest

from sync.record.record import wire_record
from tests.support import records

ADMIN_TOKEN = "admin-test-token"

# Test modules import helpers from here (pytest's importlib mode makes siblings unimportable).
import sys as _sys  # noqa: E402
_sys.modules["central_test_support"] = _sys.modules[__name__]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: Any
    at: float


class SmtpSink:
    """aiosmtpd handler: keeps every accepted message; ``fail_next`` answers 451 to simulate an outage."""

    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.fail = False
        self.cond = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        if self.fail:
            return "451 4.3.0 try again later"
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.cond:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), msg, time.monotonic()))
            self.cond.notify_all()
        return "250 OK"

    def wait_for(self, n: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.messages) < n and time.monotonic() < deadline:
                self.cond.wait(deadline - time.monotonic())
            return list(self.messages)


@pytest.fixture
def smtp_server() -> Iterator[Any]:
    from aiosmtpd.controller import Controller
    from leadkiosk_test_pg import free_port
    sink = SmtpSink()
    ctl = Controller(sink, hostname="127.0.0.1", port=free_port())
    ctl.start()
    sink.port = ctl.port  # type: ignore[attr-defined]
    try:
        yield sink
    finally:
        ctl.stop()


def settings_for(smtp_port: int | None, **extra: Any):  # type: ignore[no-untyped-def]
    from central.settings import parse_settings
    data: dict[str, Any] = {
        "admin": {"token_env": "T_ADMIN"},
        "territories": {"DACH": ["DE", "AT", "CH"]},
        "routing": {"rules": [{"name": "dach", "territories": ["DACH"], "email": ["dach@example.com"]},
                              {"name": "analytics", "product_interest": ["analytics"], "email": ["analytics@example.com"]}],
                    "default": {"email": ["sales@example.com"]}},
        # lease_s: long enough that a loaded CI machine never sees a send outlive its lease (another
        # worker would then send it again); tests of redelivery end the lease themselves
        "notify": {"poll_interval_s": 0.2, "retry_base_s": 0.2, "retry_max_s": 1, "lease_s": 30},
    }
    if smtp_port:
        data["smtp"] = {"host": "127.0.0.1", "port": smtp_port, "from": "leadkiosk@example.com", "timeout_s": 5}
    data.update(extra)
    return parse_settings(data, "<test>", {"T_ADMIN": ADMIN_TOKEN})


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'central.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def sqlite_url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    return f"sqlite:///{tmp_path / 'central.db'}"


@pytest.fixture
def settings(smtp_server):  # type: ignore[no-untyped-def]
    return settings_for(smtp_server.port)


@pytest.fixture
def client(db_url, settings) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from central.app import create_app
    app = create_app(db_url, settings, start_worker=True, web=False)
    with TestClient(app) as c:
        yield c


def make_lead(show_id: str = "expo", *, tag: str = "warm", version: int = 1, lead_id: str | None = None,
              country: str | None = "FR", email_: str | None = None, discarded: bool = False,
              synchronised: bool = True, monotonic_s: float | None = 100.0, boot_id: str | None = "boot-1",
              captured_at: str | None = None, product: list[str] | None = None, notes: str = "") -> dict[str, Any]:
    """A lead as a kiosk sends it (no ``sync`` bookkeeping), at ``version`` with one history entry
    per later version (none for the capture); made by the record package via ``tests.support.records``."""
    lid = lead_id or str(uuid.uuid4())
    rec = records.make_lead(
        tag=tag, show_id=show_id, lead_id=lid, captured_at=captured_at or datetime.now(timezone.utc), notes=notes,
        clock=records.clock_facts(synchronised=synchronised, boot_id=boot_id, monotonic_s=monotonic_s),
        contact={"first_name": "Grace", "last_name": "Hopper", "company": "Navy", "title": "RDML",
                 "email": email_ or f"{lid[:8]}@example.com", "phone": "+1 555 0100", "country": country,
                 "registration_id": None, "format": "vcard", "raw": "BEGIN:VCARD..."},
        answers={"budget": "approved", "timing": "0_3_months", "product_interest": product or ["crm_sync"],
                 "follow_up": "call"},
        score=records.make_score(tag, points={"hot": 80, "warm": 50, "nurture": 10}[tag], discarded=discarded,
                                 discard_reason="test",
                                 reasons=["budget approved +30", "timing within 3 months +25"]))
    rec["version"] = version
    # Only the later versions' entries: the capture entry (changes {}) is what tests here leave out.
    rec["history"] = [{"version": v, "at": rec["captured_at"], "actor": "Ana",
                        "changes": {"notes": {"old": "", "new": f"v{v}"}}} for v in range(2, version + 1)]
    return wire_record(rec)


@dataclass
class Kiosk:
    """A kiosk as the central system sees it: enrolled credentials and signed requests."""
    client: Any
    device_id: str
    token: str
    secret: str
    show_id: str
    sent_ids: list[str] = field(default_factory=list)

    def signed(self, path: str, payload: Any, *, token: str | None = None, msg_id: str | None = None,
               timestamp: float | None = None, secret: str | None = None, raw: bytes | None = None):  # type: ignore[no-untyped-def]
        from sync.record.signing import sign_headers
        body = raw if raw is not None else json.dumps(payload).encode()
        headers = sign_headers(secret or self.secret, body, msg_id=msg_id, timestamp=timestamp)
        headers["Authorization"] = f"Bearer {token or self.token}"
        headers["Content-Type"] = "application/json"
        self.sent_ids.append(headers["webhook-id"])
        return self.client.post(path, content=body, headers=headers)

    def send(self, *leads: dict[str, Any], clock: dict | None = None) -> list[dict[str, Any]]:
        body: dict[str, Any] = {"leads": list(leads)}
        if clock is not None:
            body["clock"] = clock
        r = self.signed("/api/v1/leads:batch", body)
        assert r.status_code == 200, r.text
        return r.json()["results"]


@pytest.fixture
def enroll(client) -> Callable[..., Kiosk]:  # type: ignore[no-untyped-def]
    from central.devices import new_enrollment_code

    def _enroll(show_id: str = "expo", name: str = "booth-1") -> Kiosk:
        code = new_enrollment_code(client.app.state.db, show_id)
        r = client.post("/api/v1/enroll", json={"code": code, "kiosk_name": name})
        assert r.status_code == 200, r.text
        d = r.json()
        return Kiosk(client, d["device_id"], d["token"], d["signing_secret"], d["show_id"])
    return _enroll


@pytest.fixture
def lead() -> Callable[..., dict[str, Any]]:
    return make_lead


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}
