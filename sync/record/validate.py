"""The one validator of a lead record, used by the kiosk store (before a save) and by central
ingest (for every lead of a batch).

Why hand-written checks rather than a schema library: a malformed lead must be rejected alone,
with a reason a person at the booth can act on (``score.tag: expected hot, warm or nurture``),
while the rest of the batch is stored; and this is the hot path of ingest.
"""
from __future__ import annotations

import json
import re
import uuid
from typing import Any, Mapping

from sync.record.errors import InvalidRecord
from sync.record.fields import CONTACT_FIELDS, SCHEMA_VERSION, TAGS
from sync.record.timestamps import parse_wire_time

_TAG_WORDS = ", ".join(TAGS[:-1]) + " or " + TAGS[-1]
# The photo of a business card kept with a lead (issue 20): base64 of a JPEG (it starts FF D8 FF,
# "/9j/" in base64). The kiosk sends about 100 KB; 1.5 M characters leave room for a bigger camera
# and stop a device from filling central with blobs. Only base64 characters, so a page can show it
# as a data: URL without any escaping question.
CARD_PHOTO_MAX_CHARS = 1_500_000
_CARD_PHOTO = re.compile(r"/9j/[A-Za-z0-9+/]*={0,2}")


def is_card_photo(value: Any) -> bool:
    """True for what ``record["card_photo"]`` may hold besides null: a base64 JPEG within the limit."""
    return (isinstance(value, str) and len(value) <= CARD_PHOTO_MAX_CHARS and len(value) % 4 == 0
            and _CARD_PHOTO.fullmatch(value) is not None)


MAX_DEPTH = 32          # a real record nests about 6 deep (history.changes.score.old.reasons)
_CHOICE_KINDS = ("single", "multi")


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


def check_depth(value: Any, limit: int = MAX_DEPTH) -> None:
    """Iteratively (a recursive walk is what a deep value would break): nesting beyond ``limit``
    is refused here, before json.dumps or the database driver recurse into it and fail the batch."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        v, depth = stack.pop()
        children: Any
        if isinstance(v, dict):
            children = v.values()
        elif isinstance(v, list):
            children = v
        else:
            continue
        if depth > limit:
            raise InvalidRecord(f"nested more than {limit} levels deep; a lead record never is")
        stack.extend((c, depth + 1) for c in children)


def _check_answers(answers: dict[str, Any], kinds: Mapping[str, str]) -> None:
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
            raise InvalidRecord(f"{path}: expected {want}{f' ({kind} question)' if kind else ''}, "
                                f"got {type(value).__name__}")


def _check_history(history: Any, version: int) -> None:
    if not isinstance(history, list):
        raise InvalidRecord("history: expected a list of objects")
    for i, h in enumerate(history):
        path = f"history[{i}]"
        if not isinstance(h, dict):
            raise InvalidRecord(f"{path}: expected an object")
        v = h.get("version")
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= version:
            raise InvalidRecord(f"{path}.version: expected an integer from 1 to the lead's version {version}, "
                                f"got {v!r}"[:200])
        changes = h.get("changes", {})
        if not isinstance(changes, dict):
            raise InvalidRecord(f"{path}.changes: expected an object of field: {{old, new}}, "
                                f"got {type(changes).__name__}")
        for key, change in changes.items():
            if not isinstance(change, dict):
                raise InvalidRecord(f"{path}.changes.{str(key)[:60]}: expected an object with old and new")
        opt_str(h, "actor", f"{path}.actor")
        if h.get("at") is not None:
            try:
                parse_wire_time(h.get("at"))
            except InvalidRecord as exc:
                raise InvalidRecord(f"{path}.at: {exc}") from None


def validate(record: Any, *, answer_kinds: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Raise ``InvalidRecord`` naming the first field the rest of the product could not use;
    return the record (typed) when it is usable. Checks every field a reader relies on: id,
    version, capture time, clock facts, contact, answers, score (tags, points, discard), notes,
    history, outcome. ``answer_kinds`` (question id -> kind from the show's form; ``{}`` = no
    form known) checks the answers' values too: central does, for what any device sends; the kiosk
    store does not, its answers came through ``forms.score`` against the form itself. Does not check which show the lead belongs to: that is the
    receiver's business, as are the receiver's limits (:func:`check_depth`, :func:`check_unicode`)."""
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
    answers = record.get("answers", {})
    if not isinstance(answers, dict):
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
    if answer_kinds is not None:
        _check_answers(answers, answer_kinds)
    _check_history(record.get("history", []), version)
    merged = record.get("merged_from")
    if merged is not None and not (isinstance(merged, list) and all(
            isinstance(m, str) and len(m) == 36 and m == m.lower() for m in merged)):
        raise InvalidRecord("merged_from: expected a list of lead ids (lower-case UUID strings)")
    base = record.get("base_version")
    if base is not None and (isinstance(base, bool) or not isinstance(base, int) or not 1 <= base < 2**31):
        raise InvalidRecord(f"base_version: expected an integer >= 1 or null, got {base!r}"[:200])
    conflicts = record.get("conflicts")
    if conflicts is not None and not (isinstance(conflicts, list) and all(
            isinstance(c, dict) and isinstance(c.get("field"), str) for c in conflicts)):
        raise InvalidRecord("conflicts: expected a list of {field, kiosk, central, ...} objects")
    for key in ("consent", "outcome", "sync"):
        if record.get(key) is not None and not isinstance(record.get(key), dict):
            raise InvalidRecord(f"{key}: expected an object or null, got {type(record.get(key)).__name__}")
    outcome = record.get("outcome") or {}
    for key in ("status", "stage", "reason", "at"):
        opt_str(outcome, key, f"outcome.{key}")
    if record.get("updated_at") is not None:
        try:
            parse_wire_time(record.get("updated_at"))
        except InvalidRecord as exc:
            raise InvalidRecord(f"updated_at: {exc}") from None
    photo = record.get("card_photo")
    if photo is not None and not is_card_photo(photo):
        raise InvalidRecord(f"card_photo: expected a base64 JPEG of at most {CARD_PHOTO_MAX_CHARS} "
                            f"characters or null, got {type(photo).__name__} "
                            f"{str(photo)[:12]!r}{'...' if len(str(photo)) > 12 else ''}")
    return record
