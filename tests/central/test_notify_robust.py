"""Issue 14, case 4: the notification queue never sticks. Any exception while building or
sending is recorded on the row with backoff; after ``[notify] max_attempts`` the row is failed,
listed by ``leadkiosk central notifications --failed`` and the admin API, and can be retried.
Header fields are built from text with control characters removed, so a name with a line break
still gets its e-mail out (and cannot inject headers)."""
from __future__ import annotations

import json
import re
import time

from sqlalchemy import select

from central.models import Notification
from central_test_support import ADMIN_TOKEN, make_lead, settings_for  # type: ignore[import-not-found]
from tests.support.waiting import wait_until


def _rows(db):  # type: ignore[no-untyped-def]
    with db.begin() as conn:
        return conn.execute(select(Notification.id, Notification.state, Notification.attempts,
                                   Notification.last_error, Notification.next_attempt_at)
                            .order_by(Notification.id)).all()


def test_line_break_in_name_and_company_still_sends_a_clean_email(client, enroll, smtp_server):
    k = enroll()
    hot = make_lead(tag="hot", country="FR")
    hot["contact"].update(first_name="Grace\r\nBcc: victim@example.com", last_name="Hop\u2028per",
                          company="Navy\nX-Injected: yes\x07")
    assert k.send(hot)[0]["status"] == "stored"
    msgs = smtp_server.wait_for(1, timeout=8)
    assert len(msgs) == 1, _rows(client.app.state.db)
    msg = msgs[0]
    assert msg.rcpt_tos == ["sales@example.com"]
    subject = re.sub(r"\r?\n(?=[ \t])", "", msg.message["Subject"])   # undo legitimate header folding
    assert "\n" not in subject and "\r" not in subject and "\u2028" not in subject and "\x07" not in subject
    assert "Grace Bcc: victim@example.com" in subject and "Navy X-Injected: yes" in subject
    assert msg.message["Bcc"] is None and msg.message["X-Injected"] is None
    wait_until(lambda: _rows(client.app.state.db)[0].state == "sent", what="the notification marked sent")
    assert _rows(client.app.state.db)[0].state == "sent"


def _app_with_hot_lead(sqlite_url, **notify):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from central.app import create_app
    from central.devices import new_enrollment_code
    from sync.record.signing import sign_headers
    settings = settings_for(None, notify={"poll_interval_s": 0.2, "retry_base_s": 0.01, "retry_max_s": 0.02,
                                          "lease_s": 2, **notify},
                            routing={"default": {"chat": True}}, chat={"webhook_url": "http://127.0.0.1:9/hook"})
    app = create_app(sqlite_url, settings, start_worker=False, web=False)
    c = TestClient(app)
    d = c.post("/api/v1/enroll", json={"code": new_enrollment_code(app.state.db, "expo")}).json()
    body = json.dumps({"leads": [make_lead(tag="hot")]}).encode()
    r = c.post("/api/v1/leads:batch", content=body,
               headers=sign_headers(d["signing_secret"], body) | {"Authorization": f"Bearer {d['token']}"})
    assert r.json()["results"][0]["status"] == "stored"
    return app, c, settings


def _run_until(worker, db, pred, limit=50):  # type: ignore[no-untyped-def]
    for _ in range(limit):
        worker.run_once()
        rows = _rows(db)
        if pred(rows):
            return rows
        time.sleep(0.03)
    return _rows(db)


def test_any_exception_is_recorded_with_backoff_then_failed_listed_and_retried(sqlite_url, capsys):
    from central.notify.worker import NotificationWorker
    from kiosk.cli import main
    app, c, settings = _app_with_hot_lead(sqlite_url, max_attempts=3)
    db = app.state.db
    calls: list[int] = []

    def broken(settings, kind, recipient, nid, payload):  # type: ignore[no-untyped-def]
        calls.append(nid)
        raise ValueError("Header values may not contain linefeed or carriage return characters")

    worker = NotificationWorker(db, settings, deliver_fn=broken)
    worker.run_once()
    (row,) = _rows(db)
    assert row.state == "retry" and row.attempts == 1
    assert "ValueError" in row.last_error and "linefeed" in row.last_error
    rows = _run_until(worker, db, lambda rs: rs[0].state == "failed")
    assert rows[0].state == "failed" and rows[0].attempts == 3 and len(calls) == 3
    worker.run_once()                                   # a failed row is not picked up again
    assert len(calls) == 3

    assert main(["central", "notifications", "--db", sqlite_url, "--failed", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(n["id"], n["state"], n["attempts"]) for n in listed] == [(row.id, "failed", 3)]
    assert "ValueError" in listed[0]["last_error"] and listed[0]["lead_id"]
    assert main(["central", "notifications", "--db", sqlite_url]) == 0
    text = capsys.readouterr().out
    assert "failed" in text and "ValueError" in text

    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    failed = c.get("/api/v1/admin/notifications", params={"state": "failed"}, headers=headers).json()
    assert [n["id"] for n in failed] == [row.id]
    r = c.post(f"/api/v1/admin/notifications/{row.id}/retry", headers=headers)
    assert r.status_code == 200 and r.json()["state"] == "pending", r.text
    assert c.post("/api/v1/admin/notifications/999999/retry", headers=headers).status_code == 404

    delivered: list[int] = []
    worker = NotificationWorker(db, settings, deliver_fn=lambda s, k, rc, nid, p: delivered.append(nid))
    worker.run_once()
    assert delivered == [row.id] and _rows(db)[0].state == "sent"
    c.close()
    db.dispose()


def test_cli_retry_puts_a_failed_row_back(sqlite_url, capsys):
    from central.notify.worker import NotificationWorker
    from kiosk.cli import main
    app, c, settings = _app_with_hot_lead(sqlite_url, max_attempts=1)
    db = app.state.db

    def broken(*a):  # type: ignore[no-untyped-def]
        raise KeyError("contact")

    NotificationWorker(db, settings, deliver_fn=broken).run_once()
    (row,) = _rows(db)
    assert row.state == "failed" and "KeyError" in row.last_error
    assert main(["central", "notifications", "--db", sqlite_url, "--retry", str(row.id)]) == 0
    capsys.readouterr()
    assert _rows(db)[0].state == "pending"
    assert main(["central", "notifications", "--db", sqlite_url, "--failed", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    c.close()
    db.dispose()


def test_max_attempts_is_validated():
    import pytest

    from central.errors import ConfigError
    from central.settings import parse_settings
    with pytest.raises(ConfigError, match="notify.max_attempts"):
        parse_settings({"notify": {"max_attempts": 0}}, "<test>", {})
    assert parse_settings({}, "<test>", {}).max_attempts == 10
