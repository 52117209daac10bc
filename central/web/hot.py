"""A lead raised to hot in review tells sales the same way a lead that arrives hot does: rows in
central's durable notification queue, routed by central's rules. The queue's
UNIQUE(lead, kind, recipient) keeps it to exactly once even if the lead was hot before, or two
reviewers raise it at the same moment."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from central.models import Device, Lead, Notification


def payload(lead: Lead, kiosk_name: str | None) -> dict[str, Any]:
    """The same payload shape central's ingest queues (``central.ingest.notification_payload``)."""
    rec = lead.record_json or {}
    score = rec.get("score") or {}
    return {"lead_id": lead.id, "version": lead.version, "show_id": lead.show_id, "kiosk": kiosk_name,
            "kiosk_id": rec.get("kiosk_id"), "staff": rec.get("staff"), "captured_at": rec.get("captured_at"),
            "contact": rec.get("contact") or {}, "score": score.get("score"), "tag": lead.tag,
            "reasons": list(score.get("reasons") or []) + [f"raised to {lead.tag} in review"],
            "notes": rec.get("notes") or "", "follow_up": lead.follow_up,
            "product_interest": lead.product_interest, "answers": rec.get("answers") or {}}


def enqueue_hot(s: Session, settings: Any, lead_id: str, now: datetime) -> int:
    """Queue the hot-lead notifications of ``lead_id``; returns how many were new."""
    if settings is None:
        return 0
    from central.notify.routing import recipients
    lead = s.get(Lead, lead_id)
    if lead is None or lead.tag != "hot" or lead.discarded:
        return 0
    dev = s.get(Device, lead.device_id)
    body = payload(lead, dev.name if dev else None)
    made = 0
    for kind, recipient in recipients(settings, country=lead.country, product_interest=lead.product_interest,
                                      show_id=lead.show_id):
        if s.scalar(select(Notification.id).where(Notification.lead_id == lead_id, Notification.kind == kind,
                                                  Notification.recipient == recipient)) is not None:
            continue
        try:
            with s.begin_nested():
                s.add(Notification(lead_id=lead_id, kind=kind, recipient=recipient, payload_json=body,
                                   state="pending", attempts=0, created_at=now, next_attempt_at=now))
            made += 1
        except IntegrityError:
            continue  # queued by someone else meanwhile: still exactly once
    if made and s.get_bind().dialect.name == "postgresql":
        s.connection().exec_driver_sql("NOTIFY leadkiosk_notifications")  # wakes a notify-worker process
    return made
