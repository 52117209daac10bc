"""A review edit that matters to sales (a lead raised to hot or warm, new notes) tells them the same
way ingest does: ``central.sales.alerts`` routes it (dials, routing rules, default owner) and queues
rows in central's durable notification queue, in the edit's transaction. The alert says who raised
the lead and why; a visitor already alerted about gets a reply in the same thread.
UNIQUE(lead, kind, recipient, event) keeps each to exactly once even if two reviewers act at once."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from central.models import Device, Lead, Notification
from central.sales.alerts import AlertLead, plan, rank_of, write_assignments


def previous_rank(changes: dict[str, dict[str, Any]], lead: Lead) -> int:
    """The lead's rank before an edit whose ``changes`` are given (record paths -> old/new)."""
    tag = changes["score.tag"]["old"] if "score.tag" in changes else lead.tag
    discarded = changes["score.discarded"]["old"] if "score.discarded" in changes else lead.discarded
    return rank_of(tag, bool(discarded))


def enqueue_change(s: Session, settings: Any, lead_id: str, now: datetime, *, changes: dict[str, dict[str, Any]],
                   actor: str | None = None, why: str | None = None) -> int:
    """Queue the alerts an edit causes; returns how many rows were new."""
    if settings is None:
        return 0
    lead = s.get(Lead, lead_id)
    if lead is None:
        return 0
    prev = previous_rank(changes, lead)
    raised_now = rank_of(lead.tag, lead.discarded) > prev
    dev = s.get(Device, lead.device_id)
    item = AlertLead(id=lead.id, show_id=lead.show_id, version=lead.version, record=lead.record_json or {},
                     country=lead.country, kiosk=dev.name if dev else None, prev_rank=prev,
                     notes_changed="notes" in changes and bool((lead.record_json or {}).get("notes")),
                     raised={"by": actor or "?", "why": (why or "").strip()[:500]} if raised_now else None)
    conn = s.connection()
    for attempt in range(2):
        try:
            # a kiosk batch may record the same visitor's key in the same instant: the savepoint
            # lets the edit plan again and see it (then the alert is a reply, not a second "new")
            with s.begin_nested():
                planned = plan(conn, settings, [item], now)
                write_assignments(conn, planned.assignments)
            break
        except IntegrityError:
            if attempt:
                raise
    made = 0
    for row in planned.notifications:
        try:
            with s.begin_nested():
                s.add(Notification(**row))
            made += 1
        except IntegrityError:
            continue  # queued by someone else meanwhile: still exactly once
    if made and s.get_bind().dialect.name == "postgresql":
        s.connection().exec_driver_sql("NOTIFY leadkiosk_notifications")  # wakes a notify-worker process
    return made


def enqueue_hot(s: Session, settings: Any, lead_id: str, now: datetime) -> int:
    """Kept for callers that only know "this lead is hot now" (scripts, demo data)."""
    return enqueue_change(s, settings, lead_id, now, changes={"score.tag": {"old": None, "new": "hot"}})
