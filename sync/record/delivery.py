"""Per-destination delivery state inside a lead record (``record["sync"][destination]``).

Part of the record package so the rule "pending for D" is one small, pure function that the
kiosk store, the sync worker's tests and the heartbeat all read the same way.
"""
from __future__ import annotations

from typing import Any, Mapping


def sync_entry() -> dict[str, Any]:
    return {"state": "pending", "sent_version": None, "attempts": 0, "last_error": None,
            "last_attempt_at": None, "next_attempt_at": None, "sent_at": None, "attempt_version": None}


def is_pending(doc: Mapping[str, Any], destination: str) -> bool:
    """The contract's rule: this version not yet delivered to D, and not parked for this version.
    Purged leads are never pending (central already has them; nothing is left to send)."""
    if doc.get("purged"):
        return False
    entry = (doc.get("sync") or {}).get(destination) or {}
    version = doc.get("version", 1)
    sent = entry.get("sent_version")
    if sent is not None and sent >= version:
        return False
    return not (entry.get("state") == "parked" and entry.get("attempt_version") == version)


def apply_mark(doc: dict[str, Any], destination: str, version: int, state: str, error: str | None,
                next_attempt_at: str | None, now: str) -> None:
    """Record one delivery attempt in ``doc`` (in place). "sent" never lowers ``sent_version``
    (a late answer for an older version must not undo a newer delivery); "failed" counts
    attempts; "parked" remembers which version it parked, so an edit un-parks the lead."""
    entry = {**sync_entry(), **(doc.setdefault("sync", {}).get(destination) or {})}
    if state == "sent":
        entry["sent_version"] = max(entry.get("sent_version") or 0, version)
        entry.update(sent_at=now, last_attempt_at=now, last_error=None, next_attempt_at=None, attempts=0,
                     attempt_version=version)
        entry["state"] = "sent" if entry["sent_version"] >= doc.get("version", 1) else "pending"
    elif state == "failed":
        entry.update(state="failed", attempts=int(entry.get("attempts") or 0) + 1, last_error=error,
                     last_attempt_at=now, next_attempt_at=next_attempt_at, attempt_version=version)
    elif state == "parked":
        entry.update(state="parked", last_error=error, last_attempt_at=now, next_attempt_at=None,
                     attempt_version=version)
    else:
        entry.update(state="pending", next_attempt_at=next_attempt_at)
    doc["sync"][destination] = entry
