"""Issue 14, case 4 (admin page): failed hot-lead notifications are listed for admins with the
error, and a retry button puts the row back in the queue."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import insert, select

from central.models import Lead, Notification
from review_helpers import csrf_of


def _failed_row(app) -> int:  # type: ignore[no-untyped-def]
    db = app.state.db
    now = datetime.now(timezone.utc)
    with db.begin() as conn:
        lead_id = conn.execute(select(Lead.id).limit(1)).scalar()
    with db.write() as conn:
        return conn.execute(insert(Notification).values(
            lead_id=lead_id, kind="email", recipient="sales@example.com", payload_json={"lead_id": lead_id},
            state="failed", attempts=10, created_at=now, next_attempt_at=now,
            last_error="ValueError: Header values may not contain linefeed <b>x</b>").returning(Notification.id)).scalar()


def test_admin_sees_failed_rows_and_retries(app, as_admin, as_marketer):
    nid = _failed_row(app)
    page = as_admin.get("/notifications")
    assert page.status_code == 200
    assert "1 failed notification" in page.text and "ValueError: Header values" in page.text
    assert "<b>x</b>" not in page.text                         # the error is escaped
    assert f'action="/notifications/{nid}/retry"' in page.text
    assert as_admin.get("/shows").text.count('href="/notifications"') == 1   # in the admin's nav
    r = as_admin.client.post(f"/notifications/{nid}/retry", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert "queued again" in as_admin.notice(r)
    with app.state.db.begin() as conn:
        state, attempts = conn.execute(select(Notification.state, Notification.attempts)
                                       .where(Notification.id == nid)).one()
    assert (state, attempts) == ("pending", 0)
    assert "No failed notifications" in as_admin.get("/notifications").text
    assert as_marketer.get("/notifications").status_code == 403
    assert 'href="/notifications"' not in as_marketer.get("/shows").text
