"""The CRM outbox (rows written by review-app edits) is delivered with the kiosk's own transports:
here the signed webhook destination against a real HTTP server on loopback."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from central.models import Outbox
from central_test_support import make_lead, settings_for

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class _Receiver(BaseHTTPRequestHandler):
    got: list = []
    status = 200

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).got.append((dict(self.headers), body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *a) -> None:  # type: ignore[no-untyped-def]
        pass


@pytest.fixture
def receiver():  # type: ignore[no-untyped-def]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.got, _Receiver.status = [], 200
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


def _setup(db_url, hook_url):  # type: ignore[no-untyped-def]
    from central.db import Database
    from central.devices import authenticate, enroll, new_enrollment_code
    from central.ingest import ingest_batch
    from central.migrate import upgrade
    from central.settings import Settings
    from central.shows import set_config
    from central.timeutil import utcnow
    db = Database(db_url)
    upgrade(db)
    creds = enroll(db, new_enrollment_code(db, "expo"), "k")
    with db.write() as conn:
        set_config(conn, "expo", show={"destinations": [{"name": "central", "kind": "central"},
                                                         {"name": "n8n", "kind": "webhook", "url": hook_url,
                                                          "secret_env": "T_HOOK_SECRET"}]})
    with db.begin() as conn:
        device = authenticate(conn, f"Bearer {creds['token']}")
    lead = make_lead()
    ingest_batch(db, device, [lead], Settings(), now=utcnow())
    return db, lead


def _add(db, lead, version, destination="n8n"):  # type: ignore[no-untyped-def]
    from central.timeutil import utcnow
    now = utcnow()
    record = dict(lead, version=version, notes=f"edited in review v{version}")
    with db.write() as conn:
        conn.execute(Outbox.__table__.insert().values(lead_id=lead["id"], destination=destination, version=version,
                                                      payload_json=record, state="pending", attempts=0,
                                                      created_at=now, next_attempt_at=now))


def _states(db):  # type: ignore[no-untyped-def]
    with db.begin() as conn:
        return [tuple(r) for r in conn.execute(select(Outbox.version, Outbox.state).order_by(Outbox.version))]


def test_outbox_pushes_signed_webhook_once(db_url, receiver):
    from central.outbox import OutboxWorker
    from central.timeutil import utcnow
    from sync.record.signing import verify
    db, lead = _setup(db_url, receiver)
    _add(db, lead, 2)
    _Receiver.status = 503
    worker = OutboxWorker(db, settings_for(25), env={"T_HOOK_SECRET": SECRET})
    assert worker.run_once() == 0
    assert _states(db) == [(2, "retry")]
    _Receiver.status = 200
    with db.write() as conn:                                 # skip the backoff wait
        conn.execute(Outbox.__table__.update().values(next_attempt_at=utcnow()))
    assert worker.run_once() == 1
    assert worker.run_once() == 0                            # nothing left: sent once
    assert _states(db) == [(2, "sent")]
    headers, body = _Receiver.got[-1]
    msg = verify(SECRET, {k.lower(): v for k, v in headers.items()}, body)
    assert msg.msg_id == f"msg_{lead['id']}_v2"              # the same key a kiosk re-send would use
    assert json.loads(body)["data"]["lead"]["notes"] == "edited in review v2"
    worker.stop()
    db.dispose()


def test_outbox_sends_only_newest_and_parks_unknown(sqlite_url, receiver):
    from central.outbox import OutboxWorker
    db, lead = _setup(sqlite_url, receiver)
    _add(db, lead, 2)
    _add(db, lead, 3)
    _add(db, lead, 4, destination="salesforce-typo")
    worker = OutboxWorker(db, settings_for(25), env={"T_HOOK_SECRET": SECRET})
    worker.run_once()
    assert _states(db) == [(2, "superseded"), (3, "sent"), (4, "parked")]
    assert len(_Receiver.got) == 1
    with db.begin() as conn:
        err = conn.execute(select(Outbox.last_error).where(Outbox.version == 4)).scalar()
    assert "no destination named 'salesforce-typo'" in err
    worker.stop()


def test_outbox_waits_for_missing_secret(sqlite_url, receiver):
    from central.outbox import OutboxWorker
    db, lead = _setup(sqlite_url, receiver)
    _add(db, lead, 2)
    worker = OutboxWorker(db, settings_for(25), env={})
    worker.run_once()
    with db.begin() as conn:
        state, err = conn.execute(select(Outbox.state, Outbox.last_error)).one()
    assert state == "retry" and "T_HOOK_SECRET" in err and _Receiver.got == []
    worker.stop()
