"""Central's view of one incoming lead record: the record package's one validator, this device's
show, and the ``leads`` columns extracted from it.

The checks themselves (which fields, what each must hold, the messages) live in
``sync.record.validate``, shared with the kiosk store; only what is central's business (the
device's show, Unicode that PostgreSQL cannot store, the column extraction) is here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from central.search import keys_of
from sync.record.errors import InvalidRecord
from sync.record.timestamps import parse_wire_time
from sync.record.validate import check_depth, check_unicode, validate

# A lead central refuses (the message names the field); kept under its old name for ingest.
Malformed = InvalidRecord

__all__ = ["CheckedLead", "Malformed", "check_lead", "check_unicode"]


@dataclass
class CheckedLead:
    record: dict
    id: str
    version: int
    captured_at: datetime
    clock: dict
    columns: dict        # the extracted columns of ``leads``
    hot: bool


def _clip(value: str | None, n: int) -> str | None:
    return value[:n] if value is not None else None


def _answer_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or None
    return str(value)


def check_lead(record: Any, *, device_show_id: str, product_question: str, follow_up_question: str,
               strict_unicode: bool = False, answer_kinds: Mapping[str, str] | None = None) -> CheckedLead:
    """Raise ``Malformed`` with the reason, or return the lead with its columns.
    ``answer_kinds``: question id -> kind from the show's form, for the answers' shapes."""
    check_depth(record)  # before json.dumps or the database driver recurse into it
    if strict_unicode and isinstance(record, dict):
        check_unicode(record)
    rec = validate(record, answer_kinds=answer_kinds)
    if rec["id"] != rec["id"].lower():
        # One spelling per lead: the ownership check and every lookup compare text, so an
        # upper-case copy of another kiosk's id would otherwise be a different lead.
        rec = {**rec, "id": rec["id"].lower()}
    show_id = rec.get("show_id")
    if show_id != device_show_id:
        raise Malformed(f"show_id: expected this kiosk's show {device_show_id!r}, got {str(show_id)[:100]!r}")
    contact, score, answers = rec["contact"], rec["score"], rec.get("answers", {})
    clock = rec.get("clock") or {}
    points = score.get("score")
    tag = score["tag"]
    discarded = score.get("discarded", False)
    columns = {
        "kiosk_id": _clip(rec.get("kiosk_id"), 200), "tag": tag, "computed_tag": score.get("computed_tag"),
        "override": score.get("override"), "score": int(points) if points is not None else None,
        "discarded": discarded, "discard_reason": score.get("discard_reason"), "staff": _clip(rec.get("staff"), 200),
        "email": _clip(contact.get("email"), 320), "first_name": _clip(contact.get("first_name"), 200),
        "last_name": _clip(contact.get("last_name"), 200), "company": _clip(contact.get("company"), 300),
        "country": _clip(contact.get("country"), 100),
        "follow_up": _clip(_answer_text(answers.get(follow_up_question)), 300),
        "product_interest": _clip(_answer_text(answers.get(product_question)), 300),
    }
    columns.update(keys_of(columns))
    return CheckedLead(record=rec, id=rec["id"], version=rec["version"], captured_at=parse_wire_time(rec["captured_at"]),
                       clock={"synchronised": clock.get("synchronised", True), "monotonic_s": clock.get("monotonic_s"),
                              "boot_id": clock.get("boot_id")},
                       columns=columns, hot=tag == "hot" and not discarded)
