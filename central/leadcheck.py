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
from typing import Any, Mapping

from central.search import search_text_of
from central.timeutil import parse_iso

TAGS = ("hot", "warm", "nurture")
_CONTACT_KEYS = ("first_name", "last_name", "company", "title", "email", "phone", "country",
                 "registration_id", "format", "raw")


MAX_DEPTH = 32          # a real record nests about 6 deep (history.changes.score.old.reasons)
_CHOICE_KINDS = ("single", "multi")


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


def check_depth(value: Any, limit: int = MAX_DEPTH) -> None:
    """Iteratively (a recursive walk is what a deep value would break): nesting beyond ``limit``
    is refused here, before json.dumps or the database driver recurse into it and fail the batch."""
    stack = [(value, 1)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, dict):
            children = v.values()
        elif isinstance(v, list):
            children = v  # type: ignore[assignment]
        else:
            continue
        if depth > limit:
            raise Malformed(f"nested more than {limit} levels deep; a lead record never is")
        stack.extend((c, depth + 1) for c in children)


def _check_answers(answers: dict, kinds: Mapping[str, str]) -> None:
    """Answer values by shape, and by the kind of question where the show's form knows it (an
    integer for a single-choice question breaks every page and export that shows words)."""
    for qid, value in answers.items():
        path = f"answers.{str(qid)[:60]}"
        if value is None:
            continue
        kind = kinds.get(qid)
        if qid == "consent" or kind == "yesno":
            ok = isinstance(value, bool)
            want = "true or false"
        elif kind in _CHOICE_KINDS:
            ok = isinstance(value, str) or (isinstance(value, list) and all(isinstance(x, str) for x in value))
            want = "an option id or a list of option ids"
        elif kind == "scale":
            ok = isinstance(value, int) and not isinstance(value, bool)
            want = "an integer"
        elif kind == "text":
            ok = isinstance(value, str)
            want = "text"
        else:  # a question this form does not have (an older form version): any plain value
            ok = isinstance(value, (str, bool, int, float)) or (
                isinstance(value, list) and all(isinstance(x, (str, int)) and not isinstance(x, bool) for x in value))
            want = "a string, number, true/false or a list of option ids"
        if not ok:
            raise Malformed(f"{path}: expected {want}{f' ({kind} question)' if kind else ''}, "
                            f"got {type(value).__name__}")


def _check_history(history: Any, version: int) -> None:
    if not isinstance(history, list):
        raise Malformed("history: expected a list of objects")
    for i, h in enumerate(history):
        path = f"history[{i}]"
        if not isinstance(h, dict):
            raise Malformed(f"{path}: expected an object")
        v = h.get("version")
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= version:
            raise Malformed(f"{path}.version: expected an integer from 1 to the lead's version {version}, got {v!r}"[:200])
        changes = h.get("changes", {})
        if not isinstance(changes, dict):
            raise Malformed(f"{path}.changes: expected an object of field: {{old, new}}, got {type(changes).__name__}")
        for key, change in changes.items():
            if not isinstance(change, dict):
                raise Malformed(f"{path}.changes.{str(key)[:60]}: expected an object with old and new")
        _opt_str(h, "actor", f"{path}.actor")
        if h.get("at") is not None:
            try:
                parse_iso(h.get("at"))
            except ValueError as exc:
                raise Malformed(f"{path}.at: {exc}") from None


def check_lead(record: Any, *, device_show_id: str, product_question: str, follow_up_question: str,
               strict_unicode: bool = False, answer_kinds: Mapping[str, str] | None = None) -> CheckedLead:
    """Raise ``Malformed`` with the reason, or return the lead with its columns.
    ``answer_kinds``: question id -> kind from the show's form, for the answers' shapes."""
    if not isinstance(record, dict):
        raise Malformed(f"lead: expected a JSON object, got {type(record).__name__}")
    check_depth(record)
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
    _check_answers(answers, answer_kinds or {})
    _check_history(record.get("history", []), version)
    merged = record.get("merged_from")
    if merged is not None and not (isinstance(merged, list) and all(
            isinstance(m, str) and len(m) == 36 and m == m.lower() for m in merged)):
        raise Malformed("merged_from: expected a list of lead ids (lower-case UUID strings)")
    base = record.get("base_version")
    if base is not None and (isinstance(base, bool) or not isinstance(base, int) or not 1 <= base < 2**31):
        raise Malformed(f"base_version: expected an integer >= 1 or null, got {base!r}"[:200])
    conflicts = record.get("conflicts")
    if conflicts is not None and not (isinstance(conflicts, list) and all(
            isinstance(c, dict) and isinstance(c.get("field"), str) for c in conflicts)):
        raise Malformed("conflicts: expected a list of {field, kiosk, central, ...} objects")
    for key in ("consent", "outcome", "sync"):
        if record.get(key) is not None and not isinstance(record.get(key), dict):
            raise Malformed(f"{key}: expected an object or null, got {type(record.get(key)).__name__}")
    outcome = record.get("outcome") or {}
    for key in ("status", "stage", "reason", "at"):
        _opt_str(outcome, key, f"outcome.{key}")
    if record.get("updated_at") is not None:
        try:
            parse_iso(record.get("updated_at"))
        except ValueError as exc:
            raise Malformed(f"updated_at: {exc}") from None
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
