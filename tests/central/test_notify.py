"""The durable notification queue: an SMTP outage or a crash delays a hot-lead e-mail but never
drops or duplicates it; several workers never send one row twice; the chat webhook is posted."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import select, update

from central.models import Notification
from tests.support.waiting import wait_until


def _notifications(db):  # type: ignore[no-untyped-def]
    with db.begin() as conn:
        return conn.execute(select(Notification.state, Notification.attempts, Notification.last_error)).all()


def test_smtp_outage_delays_then_delivers_once(client, enroll, lead, smtp_server):
    smtp_server.fail = True
    k = enroll()
    k.send(lead(tag="hot"))
    rows = wait_until(lambda: [r for r in _notifications(client.app.state.db) if r.attempts >= 2],
                      what="two failed delivery attempts")
    assert rows[0].state in ("retry", "sending") and "451" in (rows[0].last_error or "")
    assert smtp_server.messages == []
    smtp_server.fail = False
    msgs = smtp_server.wait_for(1, timeout=10)
    assert len(msgs) == 1
    time.sleep(0.8)
    assert len(smtp_server.messages) == 1
    assert _notifications(client.app.state.db)[0].state == "sent"


def test_smtp_server_down_then_up(sqlite_url, lead):
    """Connection refused (no server at all) is retried too; delivered once the server exists."""
    from aiosmtpd.controller import Controller
    from fastapi.testclient import TestClient

    from central.app import create_app
    from central.devices import new_enrollment_code
    from leadkiosk_test_pg import free_port
    from central_test_support import SmtpSink, settings_for  # type: ignore[import-not-found]
    port = free_port()
    app = create_app(sqlite_url, settings_for(port), start_worker=True, web=False)
    with TestClient(app) as c:
        code = new_enrollment_code(app.state.db, "expo")
        d = c.post("/api/v1/enroll", json={"code": code}).json()
        from sync.record.signing import sign_headers
        body = json.dumps({"leads": [lead(tag="hot")]}).encode()
        r = c.post("/api/v1/leads:batch", content=body,
                   headers=sign_headers(d["signing_secret"], body) | {"Authorization": f"Bearer {d['token']}"})
        assert r.json()["results"][0]["status"] == "stored"
        time.sleep(0.8)
        assert _notifications(app.state.db)[0].attempts >= 1
        sink = SmtpSink()
        ctl = Controller(sink, hostname="127.0.0.1", port=port)
        ctl.start()
        try:
            assert len(sink.wait_for(1, timeout=10)) == 1
            time.sleep(0.5)
            assert len(sink.messages) == 1
        finally:
            ctl.stop()


def test_crash_mid_send_is_redelivered_after_lease(sqlite_url, lead, smtp_server):
    """A worker that claimed a row and died: the lease runs out and another worker sends it."""
    from central.db import Database
    from central.migrate import upgrade
    from central.notify.worker import NotificationWorker
    from central.timeutil import utcnow
    from central_test_support import settings_for  # type: ignore[import-not-found]
    db = Database(sqlite_url)
    upgrade(db)
    settings = settings_for(smtp_server.port)
    now = utcnow()
    with db.write() as conn:
        conn.execute(Notification.__table__.insert().values(
            lead_id="00000000-0000-4000-8000-000000000001", kind="email", recipient="sales@example.com",
            payload_json={"lead_id": "x", "contact": {}}, state="pending", attempts=0, created_at=now,
            next_attempt_at=now))

    def crash(*_a):  # type: ignore[no-untyped-def]
        raise SystemExit("killed mid-send")
    dying = NotificationWorker(db, settings, deliver_fn=crash)
    try:
        dying.run_once()
    except SystemExit:
        pass
    assert _notifications(db)[0].state == "sending"
    healthy = NotificationWorker(db, settings)
    assert healthy.run_once() == 0           # still leased to the dead worker
    with db.write() as conn:                  # let the lease run out
        conn.execute(update(Notification).values(lease_until=utcnow()))
    time.sleep(0.01)
    assert healthy.run_once() == 1
    assert len(smtp_server.wait_for(1)) == 1
    assert _notifications(db)[0].state == "sent"


def test_concurrent_workers_send_each_row_once(db_url, lead, smtp_server):
    from central.db import Database
    from central.migrate import upgrade
    from central.notify.worker import NotificationWorker
    from central.timeutil import utcnow
    from central_test_support import settings_for  # type: ignore[import-not-found]
    db = Database(db_url)
    upgrade(db)
    now = utcnow()
    n = 30
    with db.write() as conn:
        conn.execute(Notification.__table__.insert(), [
            {"lead_id": f"00000000-0000-4000-8000-{i:012d}", "kind": "email", "recipient": "sales@example.com",
             "payload_json": {"lead_id": str(i), "contact": {"first_name": str(i)}}, "state": "pending",
             "attempts": 0, "created_at": now, "next_attempt_at": now} for i in range(n)])
    settings = settings_for(smtp_server.port)
    workers = [NotificationWorker(Database(db_url), settings) for _ in range(4)]
    threads = [threading.Thread(target=w.run_once) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    smtp_server.wait_for(n, timeout=10)
    time.sleep(0.3)
    ids = sorted(m.message["X-Leadkiosk-Lead"] for m in smtp_server.messages)
    assert ids == sorted(str(i) for i in range(n))
    db.dispose()
    for w in workers:
        w.db.dispose()


class _ChatSink(BaseHTTPRequestHandler):
    posts: list = []
    status = 200

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).posts.append(json.loads(body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *a) -> None:  # type: ignore[no-untyped-def]
        pass


def test_chat_webhook_posted_once(sqlite_url, lead):
    from fastapi.testclient import TestClient

    from central.app import create_app
    from central.devices import new_enrollment_code
    from central_test_support import settings_for  # type: ignore[import-not-found]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ChatSink)
    _ChatSink.posts = []
    _ChatSink.status = 500
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hooks/sales"
    settings = settings_for(None, chat={"webhook_url": url},
                            routing={"default": {"chat": True}})
    try:
        app = create_app(sqlite_url, settings, start_worker=True, web=False)
        with TestClient(app) as c:
            code = new_enrollment_code(app.state.db, "expo")
            d = c.post("/api/v1/enroll", json={"code": code}).json()
            from sync.record.signing import sign_headers
            hot = lead(tag="hot", notes="call Tuesday")
            body = json.dumps({"leads": [hot]}).encode()
            c.post("/api/v1/leads:batch", content=body,
                   headers=sign_headers(d["signing_secret"], body) | {"Authorization": f"Bearer {d['token']}"})
            wait_until(lambda: len(_ChatSink.posts) >= 1, what="the first chat post")
            _ChatSink.status = 200                      # the first post failed with 500: retried
            wait_until(lambda: len(_ChatSink.posts) >= 2, what="the retried chat post")
            time.sleep(0.8)
            assert len(_ChatSink.posts) == 2
            assert "call Tuesday" in _ChatSink.posts[-1]["text"] and hot["id"] in _ChatSink.posts[-1]["text"]
            assert [r.state for r in _notifications(app.state.db)] == ["sent"]
    finally:
        server.shutdown()
