"""The one validator of a lead record, used by the kiosk store (before a save) and by central
ingest (for every lead of a batch).

Why hand-written checks rather than a schema library: a malformed lead must be rejected alone,
with a reason a person at the booth can act on (``score.tag: expected hot, warm or nurture``),
while the rest of the batch is stored; and this is the hot path of ingest.
"""
from __future__ import annotations

import json
import uuid
from typing import Any

from sync.record.errors import InvalidRecord
from sync.record.fields import CONTACT_FIELDS, SCHEMA_VERSION, TAGS
from sync.record.timestamps import parse_wire_time

_TAG_WORDS = ", ".join(TAGS[:-1]) + " or " + TAGS[-1]


def opt_str(obj: dict[str, Any], key: str, path: str) -> str | None:
    """``obj[key]`` if it is a string or null; otherwise the error names ``path``."""
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise InvalidRecord(f"{path}: expected a string or null, got {type(value).__name__}")
    return value


def check_unicode(record: Any) -> None:
    """PostgreSQL refuses NUL characters in text and JSONB, and nobody can store lone surrogates;
    reject them here instead of failing the whole batch in the database."""
    try:
        text = json.dumps(record, ensure_ascii=False)
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidRecord("contains an invalid Unicode character (lone surrogate)") from None
    if "\x00" in text or "\\u0000" in text:
        raise InvalidRecord("contains a NUL character")


def validate(record: Any) -> dict[str, Any]:
    """Raise ``InvalidRecord`` naming the first field the rest of the product could not use;
    return the record (typed) when it is usable. Checks every field a reader relies on: id,
    version, capture time, clock facts, contact, answers, score (tags, points, discard), notes,
    history. Does not check which show the lead belongs to: that is the receiver's business."""
    if not isinstance(record, dict):
        raise InvalidRecord(f"lead: expected a JSON object, got {type(record).__name__}")
    if record.get("schema", SCHEMA_VERSION) != SCHEMA_VERSION:
        raise InvalidRecord(f"schema: expected {SCHEMA_VERSION}, got {record.get('schema')!r}")
    lead_id = record.get("id")
    if not isinstance(lead_id, str):
        raise InvalidRecord("id: expected a UUID string")
    try:
        if len(lead_id) != 36 or str(uuid.UUID(lead_id)) != lead_id.lower():
            raise ValueError
    except ValueError:
        raise InvalidRecord(f"id: expected a UUID string like 0b0c6c9e-...-..., got {lead_id[:40]!r}") from None
    version = record.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version < 2**31:
        raise InvalidRecord(f"version: expected an integer >= 1, got {version!r}"[:200])
    try:
        parse_wire_time(record.get("captured_at"))
    except InvalidRecord as exc:
        raise InvalidRecord(f"captured_at: {exc}") from None
    clock = record.get("clock") or {}
    if not isinstance(clock, dict):
        raise InvalidRecord("clock: expected an object or null")
    if not isinstance(clock.get("synchronised", True), bool):
        raise InvalidRecord("clock.synchronised: expected true or false")
    mono = clock.get("monotonic_s")
    if mono is not None and (isinstance(mono, bool) or not isinstance(mono, (int, float)) or not 0 <= mono < 1e10):
        raise InvalidRecord("clock.monotonic_s: expected a number of seconds >= 0 or null")
    boot = clock.get("boot_id")
    if boot is not None and (not isinstance(boot, str) or len(boot) > 100):
        raise InvalidRecord("clock.boot_id: expected a string of at most 100 characters or null")
    opt_str(record, "kiosk_id", "kiosk_id")
    opt_str(record, "staff", "staff")
    contact = record.get("contact")
    if not isinstance(contact, dict):
        raise InvalidRecord("contact: expected an object")
    for key in CONTACT_FIELDS:
        opt_str(contact, key, f"contact.{key}")
    if not isinstance(record.get("answers", {}), dict):
        raise InvalidRecord("answers: expected an object")
    score = record.get("score")
    if not isinstance(score, dict):
        raise InvalidRecord("score: expected an object with tag, computed_tag, override, score, discarded")
    tag = score.get("tag")
    if tag not in TAGS:
        raise InvalidRecord(f"score.tag: expected {_TAG_WORDS}, got {str(tag)[:40]!r}")
    for key in ("computed_tag", "override"):
        if score.get(key) is not None and score.get(key) not in TAGS:
            raise InvalidRecord(f"score.{key}: expected {', '.join(TAGS)} or null")
    points = score.get("score")
    if points is not None and (isinstance(points, bool) or not isinstance(points, (int, float)) or abs(points) > 1e9):
        raise InvalidRecord("score.score: expected a number or null")
    if not isinstance(score.get("discarded", False), bool):
        raise InvalidRecord("score.discarded: expected true or false")
    reasons = score.get("reasons", [])
    if not isinstance(reasons, list) or not all(isinstance(x, str) for x in reasons):
        raise InvalidRecord("score.reasons: expected a list of strings")
    opt_str(score, "discard_reason", "score.discard_reason")
    if record.get("notes") is not None and not isinstance(record.get("notes"), str):
        raise InvalidRecord("notes: expected a string or null")
    history = record.get("history", [])
    if not isinstance(history, list) or not all(isinstance(h, dict) for h in history):
        raise InvalidRecord("history: expected a list of objects")
    return record
