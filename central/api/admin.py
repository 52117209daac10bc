"""The admin API (bearer admin token from the central config): devices, revocation, enrollment
codes, the notification queue, and the sales queue of warm leads."""
from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request

from central.api.common import check_admin, state
from central.api.schemas import CodeResponse, Problem, RevokeResponse
from central.errors import ConflictError, NotFound
from central.devices import list_devices, new_enrollment_code, revoke
from central.notify.worker import list_notifications, retry_notification
from central.queries import list_leads, sales_queue

router = APIRouter(prefix="/api/v1", tags=["admin"],
                   responses={401: {"model": Problem}, 403: {"model": Problem}})
ShowId = Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@router.get("/admin/devices")
def get_devices(request: Request, authorization: str | None = Header(default=None),
                show: str | None = Query(default=None, max_length=100, pattern=r"^[^\x00]*$")) -> list[dict[str, Any]]:
    db, settings = state(request)
    check_admin(settings, authorization)
    return list_devices(db, show)


@router.post("/admin/devices/{device_id}/revoke", response_model=RevokeResponse, responses={404: {"model": Problem}})
def post_revoke(request: Request, device_id: str = Path(max_length=40, pattern=r"^[A-Za-z0-9_]+$"),
                authorization: str | None = Header(default=None)) -> dict[str, Any]:
    """Revoke a kiosk's token at once (a lost or stolen kiosk)."""
    db, settings = state(request)
    check_admin(settings, authorization)
    return revoke(db, device_id, now=settings.clock())


@router.post("/admin/shows/{show_id}/enrollment-codes", response_model=CodeResponse)
def post_code(request: Request, show_id: str = ShowId, authorization: str | None = Header(default=None)) -> dict[str, Any]:
    db, settings = state(request)
    check_admin(settings, authorization)
    return {"code": new_enrollment_code(db, show_id, ttl_hours=settings.enrollment_code_ttl_h,
                                        now=settings.clock()), "show_id": show_id}


@router.get("/admin/notifications")
def get_notifications(request: Request, authorization: str | None = Header(default=None),
                      state_: Literal["pending", "sending", "retry", "sent", "failed"] | None = Query(
                          default=None, alias="state"),
                      limit: int = Query(default=100, ge=1, le=1000)) -> list[dict[str, Any]]:
    db, settings = state(request)
    check_admin(settings, authorization)
    return list_notifications(db, state=state_, limit=limit)


@router.post("/admin/notifications/{notification_id}/retry", responses={404: {"model": Problem}})
def post_notification_retry(request: Request, notification_id: int = Path(ge=1, le=2**62),
                            authorization: str | None = Header(default=None)) -> dict[str, Any]:
    """Put a failed row back in the queue (due now, attempts counted afresh)."""
    db, settings = state(request)
    check_admin(settings, authorization)
    row = retry_notification(db, notification_id, settings.clock())
    if row is None:
        raise NotFound(f"no notification {notification_id}")
    if row["state"] != "pending":
        raise ConflictError(f"notification {notification_id} is {row['state']}, not waiting to be retried")
    wake = getattr(request.app.state, "worker", None)
    if wake is not None:
        wake.wake()
    return row


@router.get("/sales-queue")
def get_sales_queue(request: Request, authorization: str | None = Header(default=None),
                    show: str | None = Query(default=None, max_length=100, pattern=r"^[^\x00]*$"),
                    limit: int = Query(default=100, ge=1, le=1000), offset: int = Query(default=0, ge=0, le=10**7)
                    ) -> list[dict[str, Any]]:
    """Warm leads, oldest first: the queue sales works through after the show."""
    db, settings = state(request)
    check_admin(settings, authorization)
    return sales_queue(db, show, limit=limit, offset=offset)


@router.get("/leads")
def get_leads(request: Request, authorization: str | None = Header(default=None),
              show: str | None = Query(default=None, max_length=100, pattern=r"^[^\x00]*$"),
              tag: Literal["hot", "warm", "nurture"] | None = Query(default=None),
              limit: int = Query(default=100, ge=1, le=1000), offset: int = Query(default=0, ge=0, le=10**7)
              ) -> list[dict[str, Any]]:
    db, settings = state(request)
    check_admin(settings, authorization)
    return list_leads(db, show, tag=tag, limit=limit, offset=offset)
