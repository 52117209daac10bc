"""Lead records for tests and benchmarks, made by the record package's own ``new_lead`` so a
test record can never drift from what the kiosk makes (no hand-built dict literals).

``make_score`` is a score result as ``forms.score(...).to_dict()`` returns it; ``make_lead`` a
schema-1 record as the store holds it, deterministic per index ``i`` (capture time, names, email).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sync.record.record import new_lead
from sync.record.timestamps import iso, parse_time

BASE_TIME = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)
POINTS = {"hot": 80, "warm": 55, "nurture": 20}


def make_score(tag: str = "warm", points: int | None = None, override: str | None = None,
               discarded: bool = False, form_id: str = "bant", reasons: list[str] | None = None,
               discard_reason: str | None = None) -> dict[str, Any]:
    """A score result for ``tag`` (points default per tag); ``override`` sets the effective tag."""
    return {"score": POINTS[tag] if points is None else points, "computed_tag": tag, "override": override,
            "tag": override or tag, "discarded": discarded,
            "discard_reason": (discard_reason or "competitor") if discarded else None,
            "reasons": list(reasons) if reasons is not None else [], "dropped": [], "form_id": form_id,
            "form_version": "2026.1"}


def clock_facts(i: int = 0, synchronised: bool = True, boot_id: str | None = "b1",
                monotonic_s: float | None = None) -> dict[str, Any]:
    """The ``clock`` object of a capture made ``i`` seconds into boot ``boot_id``."""
    return {"synchronised": synchronised, "source": "ntp" if synchronised else "unsynchronised",
            "monotonic_s": 100.0 + i if monotonic_s is None else monotonic_s, "boot_id": boot_id}


def make_lead(i: int = 0, tag: str = "warm", show_id: str = "demo", kiosk_id: str = "booth-1",
              captured_at: str | datetime | None = None, email: str | None = None, lead_id: str | None = None,
              *, score: dict[str, Any] | None = None, contact: dict[str, Any] | None = None,
              answers: dict[str, Any] | None = None, staff: str = "Ana", notes: str = "",
              clock: dict[str, Any] | None = None) -> dict[str, Any]:
    """A schema-1 lead record as the store would hold it: visitor ``i``, captured ``i`` seconds
    after 2026-11-22 09:00 UTC unless ``captured_at`` says otherwise."""
    at = parse_time(captured_at) if captured_at is not None else BASE_TIME + timedelta(seconds=i)
    person = {"first_name": f"First{i}", "last_name": f"Last{i}", "company": f"Company {i % 97}",
              "title": "CTO", "email": email if email is not None else f"visitor{i}@example.com",
              "phone": None, "country": "DE", "registration_id": f"R{i:06d}", "format": "vcard",
              "raw": f"BEGIN:VCARD\nFN:First{i} Last{i}\nEND:VCARD"}
    if contact is not None:
        person.update(contact)
    return new_lead(show_id=show_id, kiosk_id=kiosk_id, staff=staff, contact=person,
                    answers=answers if answers is not None else
                    {"budget": "approved" if tag == "hot" else "none", "timeline": "q1"},
                    score=score if score is not None else
                    make_score(tag, reasons=["budget approved +30"] if tag == "hot" else []),
                    consent={"given": True, "text_version": "2026-1", "at": iso(at)}, notes=notes,
                    captured_at=at, lead_id=lead_id, clock=clock if clock is not None else clock_facts(i))
