"""Validation of one incoming lead record (schema 1) and the columns extracted from it.

Why hand-written checks rather than a Pydantic model: a malformed lead must be rejected alone, with
a reason a person at the booth can act on ("score.tag: expected hot, warm or nurture"), while the
rest of the batch is stored; and this is the hot path of ingest.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from central.search import search_text_of
from central.timeutil import parse_iso

TAGS = ("hot", "warm", "nurture")
_CONTACT_KEYS = ("first_name", "last_name", "company", "title", "email", "phone", "country",
                 "registration_id", "format", "raw")


class Malformed(ValueError):
    """Why one lead is rejected; the message names the field."""


@dataclass
class CheckedLead:
    record: dict
    id: str
    version: int
    captured_at: datetime
    clock: dict
    columns: dict        # the extracted columns of ``leads``
    hot: bool


def _opt_str(obj: dict, key: str, path: str) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise Malformed(f"{path}: expected a string or null, got {type(value).__name__}")
    return value


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


def check_unicode(record: Any) -> None:
    """PostgreSQL refuses NUL characters in text and JSONB, and nobody can store lone surrogates;
    reject them here instead of failing the whole batch in the database."""
    try:
        text = json.dumps(record, ensure_ascii=False)
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Malformed("contains an invalid Unicode character (lone surrogate)") from None
    if "\x00" in text or "\\u0000" in text:
        raise Malformed("contains a NUL character")


def check_lead(record: Any, *, device_show_id: str, product_question: str, follow_up_question: str,
               strict_unicode: bool = False) -> CheckedLead:
    """Raise ``Malformed`` with the reason, or return the lead with its columns."""
    if not isinstance(record, dict):
        raise Malformed(f"lead: expected a JSON object, got {type(record).__name__}")
    if strict_unicode:
        check_unicode(record)
    if record.get("schema", 1) != 1:
        raise Malformed(f"schema: expected 1, got {record.get('schema')!r}")
    lead_id = record.get("id")
    if not isinstance(lead_id, str):
        raise Malformed("id: expected a UUID string")
    try:
        if len(lead_id) != 36 or str(uuid.UUID(lead_id)) != lead_id.lower():
            raise ValueError
    except ValueError:
        raise Malformed(f"id: expected a UUID string like 0b0c6c9e-...-..., got {lead_id[:40]!r}") from None
    if lead_id != lead_id.lower():
        # One spelling per lead: the ownership check and every lookup compare text, so an
        # upper-case copy of another kiosk's id would otherwise be a different lead.
        lead_id = lead_id.lower()
        record = {**record, "id": lead_id}
    version = record.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version < 2**31:
        raise Malformed(f"version: expected an integer >= 1, got {version!r}"[:200])
    show_id = record.get("show_id")
    if show_id != device_show_id:
        raise Malformed(f"show_id: expected this kiosk's show {device_show_id!r}, got {str(show_id)[:100]!r}")
    try:
        captured_at = parse_iso(record.get("captured_at"))
    except ValueError as exc:
        raise Malformed(f"captured_at: {exc}") from None
    clock = record.get("clock") or {}
    if not isinstance(clock, dict):
        raise Malformed("clock: expected an object or null")
    sync = clock.get("synchronised", True)
    if not isinstance(sync, bool):
        raise Malformed("clock.synchronised: expected true or false")
    mono = clock.get("monotonic_s")
    if mono is not None and (isinstance(mono, bool) or not isinstance(mono, (int, float)) or not 0 <= mono < 1e10):
        raise Malformed("clock.monotonic_s: expected a number of seconds >= 0 or null")
    boot = clock.get("boot_id")
    if boot is not None and (not isinstance(boot, str) or len(boot) > 100):
        raise Malformed("clock.boot_id: expected a string of at most 100 characters or null")
    kiosk_id = _opt_str(record, "kiosk_id", "kiosk_id")
    staff = _opt_str(record, "staff", "staff")
    contact = record.get("contact")
    if not isinstance(contact, dict):
        raise Malformed("contact: expected an object")
    for key in _CONTACT_KEYS:
        _opt_str(contact, key, f"contact.{key}")
    answers = record.get("answers", {})
    if not isinstance(answers, dict):
        raise Malformed("answers: expected an object")
    score = record.get("score")
    if not isinstance(score, dict):
        raise Malformed("score: expected an object with tag, computed_tag, override, score, discarded")
    tag = score.get("tag")
    if tag not in TAGS:
        raise Malformed(f"score.tag: expected hot, warm or nurture, got {str(tag)[:40]!r}")
    for key in ("computed_tag", "override"):
        if score.get(key) is not None and score.get(key) not in TAGS:
            raise Malformed(f"score.{key}: expected hot, warm, nurture or null")
    points = score.get("score")
    if points is not None and (isinstance(points, bool) or not isinstance(points, (int, float)) or abs(points) > 1e9):
        raise Malformed("score.score: expected a number or null")
    discarded = score.get("discarded", False)
    if not isinstance(discarded, bool):
        raise Malformed("score.discarded: expected true or false")
    reasons = score.get("reasons", [])
    if not isinstance(reasons, list) or not all(isinstance(x, str) for x in reasons):
        raise Malformed("score.reasons: expected a list of strings")
    discard_reason = _opt_str(score, "discard_reason", "score.discard_reason")
    if record.get("notes") is not None and not isinstance(record.get("notes"), str):
        raise Malformed("notes: expected a string or null")
    history = record.get("history", [])
    if not isinstance(history, list) or not all(isinstance(h, dict) for h in history):
        raise Malformed("history: expected a list of objects")
    columns = {
        "kiosk_id": _clip(kiosk_id, 200), "tag": tag, "computed_tag": score.get("computed_tag"),
        "override": score.get("override"), "score": int(points) if points is not None else None,
        "discarded": discarded, "discard_reason": discard_reason, "staff": _clip(staff, 200),
        "email": _clip(contact.get("email"), 320), "first_name": _clip(contact.get("first_name"), 200),
        "last_name": _clip(contact.get("last_name"), 200), "company": _clip(contact.get("company"), 300),
        "country": _clip(contact.get("country"), 100),
        "follow_up": _clip(_answer_text(answers.get(follow_up_question)), 300),
        "product_interest": _clip(_answer_text(answers.get(product_question)), 300),
    }
    columns["search_text"] = search_text_of(columns)
    return CheckedLead(record=record, id=lead_id, version=version, captured_at=captured_at,
                       clock={"synchronised": sync, "monotonic_s": mono, "boot_id": boot},
                       columns=columns, hot=tag == "hot" and not discarded)
