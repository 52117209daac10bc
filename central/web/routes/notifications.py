"""Admin page: the hot-lead notification queue, failed rows first, with a retry button.

Why a page and not only the CLI: a failed row means a salesperson never heard of a hot lead;
the admin who sees the review app every day must be able to notice it and send it again."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from central.notify.worker import list_notifications, retry_notification
from central.web.deps import allowed, redirect, render, review, writer
from central.web.security import Principal

router = APIRouter(include_in_schema=False)
STATES = ("failed", "retry", "sending", "pending", "sent")


@router.get("/notifications")
def notifications_page(request: Request, me: Principal = Depends(allowed("users"))):
    state = request.query_params.get("state", "failed")
    state = state if state in STATES or state == "all" else "failed"
    db = review(request).db
    rows = list_notifications(db, state=None if state == "all" else state, limit=500)
    failed = len(rows) if state == "failed" else len(list_notifications(db, state="failed", limit=500))
    return render(request, "notifications.html", me, nav="notifications", rows=rows, state=state,
                  states=STATES, failed=failed)


@router.post("/notifications/{notification_id}/retry")
def notifications_retry(request: Request, notification_id: int, me: Principal = Depends(writer("users"))):
    row = retry_notification(review(request).db, notification_id, review(request).settings.clock())
    if row is None or row["state"] != "pending":
        why = "no such notification" if row is None else f"it is {row['state']}"
        return redirect(request, "/notifications", err=f"Notification {notification_id}: {why}.")
    worker = getattr(request.app.state, "worker", None)
    if worker is not None:
        worker.wake()
    return redirect(request, "/notifications",
                    msg=f"Notification {notification_id} (lead {row['lead_id']}) queued again.")
