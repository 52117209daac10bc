"""The lead record (schema 1): how one is made, checked and migrated.

The record is the one JSON object that store, sync, central and the UI share (see
ARCHITECTURE.md). Everything here is pure: no file access, so the in-memory twin and the durable
store treat records identically.
"""
from __future__ import annotations

import copy
import json
import uuid
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from kiosk.errors import StoreError
from kiosk.store.clock import clock_info, env_clock_source

SCHEMA_VERSION = 1

CONTACT_FIELDS = ("first_name", "last_name", "company", "title", "email", "phone", "country",
                  "registration_id", "format", "raw")
SYNC_STATES = ("pending", "sent", "failed", "parked")
# Top-level keys an edit may change; the rest (id, version, history, sync, ...) belong to the store.
EDITABLE_KEYS = frozenset({"contact", "answers", "consent", "score", "notes", "outcome", "staff"})
REQUIRED_KEYS = ("schema", "id", "version", "captured_at", "contact", "answers", "score")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso(dt: datetime | None = None) -> str:
    """UTC ISO-8601 with milliseconds and a ``Z``: sortable as text, which the index relies on."""
    dt = (dt or utc_now()).astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_time(value: str | datetime) -> datetime:
    """Accept what callers naturally have (datetime, ``...Z`` or offset ISO text); naive = UTC."""
    if isinstance(value, datetime):
        dt = value
    else:
        try:
            dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError as exc:
            raise StoreError(f"not an ISO-8601 time: {value!r}") from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def empty_contact() -> dict[str, Any]:
    contact: dict[str, Any] = {k: None for k in CONTACT_FIELDS}
    contact["format"] = "manual"
    return contact


def new_lead(*, show_id: str, kiosk_id: str, staff: str | None, contact: Mapping[str, Any] | None,
             answers: Mapping[str, Any] | None, score: Mapping[str, Any], consent: Mapping[str, Any] | None = None,
             notes: str = "", captured_at: datetime | None = None, lead_id: str | None = None,
             clock: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Make a schema-1 record at the moment of capture.

    The id is made here, on the device, because it is the idempotency key for every later hop
    (sync retries, central ingest, CRM upserts). The consent, if not given explicitly, is taken
    from ``answers["consent"]`` with the form's consent version from the score result.
    """
    now = captured_at or utc_now()
    merged_contact = empty_contact()
    if contact:
        merged_contact.update({k: v for k, v in dict(contact).items()})
    answers = dict(answers or {})
    if consent is None:
        consent = {"given": bool(answers.get("consent", False)),
                   "text_version": (score or {}).get("consent_version") or (score or {}).get("form_version"),
                   "at": iso(now) if answers.get("consent") else None}
    record = {
        "schema": SCHEMA_VERSION,
        "id": lead_id or str(uuid.uuid4()),
        "version": 1,
        "show_id": show_id,
        "kiosk_id": kiosk_id,
        "staff": staff,
        "captured_at": iso(now),
        "clock": dict(clock) if clock is not None else clock_info(env_clock_source()),
        "updated_at": iso(now),
        "contact": merged_contact,
        "answers": answers,
        "consent": dict(consent),
        "score": dict(score),
        "notes": notes or "",
        "history": [{"version": 1, "at": iso(now), "actor": staff or "kiosk", "changes": {}}],
        "sync": {},
        "outcome": None,
        "purged": False,
    }
    return json_copy(record)


def json_copy(value: Any) -> Any:
    """A deep copy that also proves the value is JSON (what the journal will write)."""
    try:
        return json.loads(json.dumps(value, ensure_ascii=False, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise StoreError(f"lead is not JSON-serialisable: {exc}") from exc


# --- migration -------------------------------------------------------------------------------
# MIGRATIONS[n] turns a schema-n record into schema n+1. Schema 0 is the pre-release shape some
# demo files have (no "schema" key, tag at the top level); migrating keeps every value.

def _migrate_0_to_1(rec: dict[str, Any]) -> dict[str, Any]:
    rec = copy.deepcopy(rec)
    score = rec.get("score")
    if not isinstance(score, dict):
        score = {"score": score if isinstance(score, (int, float)) else None}
    tag = rec.pop("tag", None)
    score.setdefault("computed_tag", tag)
    score.setdefault("override", None)
    score.setdefault("tag", score.get("override") or score.get("computed_tag"))
    score.setdefault("discarded", bool(rec.pop("discarded", False)))
    score.setdefault("discard_reason", None)
    score.setdefault("reasons", [])
    rec["score"] = score
    contact = empty_contact()
    contact["format"] = "unknown"
    contact.update(rec.get("contact") or {})
    rec["contact"] = contact
    rec.setdefault("version", 1)
    rec.setdefault("answers", {})
    rec.setdefault("consent", {"given": bool(rec["answers"].get("consent")), "text_version": None, "at": None})
    rec.setdefault("notes", "")
    rec.setdefault("history", [])
    rec.setdefault("sync", {})
    rec.setdefault("outcome", None)
    rec.setdefault("purged", False)
    rec.setdefault("clock", {"synchronised": False, "source": "unsynchronised", "monotonic_s": None, "boot_id": None})
    rec.setdefault("updated_at", rec.get("captured_at"))
    rec["schema"] = 1
    return rec


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _migrate_0_to_1}


def migrate(record: Mapping[str, Any]) -> dict[str, Any]:
    """Bring a record from any older schema to the current one; newer schemas are refused so an
    old kiosk build never silently drops fields it does not know."""
    rec = dict(record)
    schema = rec.get("schema", 0)
    if not isinstance(schema, int) or schema > SCHEMA_VERSION:
        raise StoreError(f"lead {rec.get('id')!r} has schema {schema!r}; this build reads up to {SCHEMA_VERSION}")
    while schema < SCHEMA_VERSION:
        rec = MIGRATIONS[schema](rec)
        schema = rec["schema"]
    return rec


def canonical_id(lead_id: Any) -> str:
    """The one spelling of a lead id (lower-case, hyphenated UUID). Ids are compared as text
    everywhere (store index, central's ownership check), so every boundary normalises with this;
    anything that is not a hyphenated UUID raises StoreError."""
    text = str(lead_id)
    try:
        canonical = str(uuid.UUID(text))
    except ValueError:
        raise StoreError(f"lead id {text[:60]!r} is not a UUID") from None
    if len(text) != 36 or canonical != text.lower():
        raise StoreError(f"lead id {text[:60]!r} is not a hyphenated UUID like {canonical}")
    return canonical


def validate(record: Mapping[str, Any]) -> None:
    """Refuse records the rest of the product could not use, naming the field."""
    missing = [k for k in REQUIRED_KEYS if k not in record]
    if missing:
        raise StoreError(f"lead record is missing {', '.join(missing)}")
    if canonical_id(record["id"]) != record["id"]:
        raise StoreError(f"lead id {record['id']!r} is not a lower-case UUID like 0b0c6c9e-1111-4222-8333-444455556666")
    if not isinstance(record["version"], int) or record["version"] < 1:
        raise StoreError(f"lead {record['id']}: version must be a positive integer, got {record['version']!r}")
    for key in ("contact", "answers", "score"):
        if not isinstance(record[key], dict):
            raise StoreError(f"lead {record['id']}: {key} must be an object")
    parse_time(record["captured_at"])


def effective_tag(record: Mapping[str, Any]) -> str | None:
    score = record.get("score") or {}
    return score.get("override") or score.get("tag") or score.get("computed_tag")


def deep_merge(base: dict[str, Any], changes: Mapping[str, Any], prefix: str = "",
               diff: dict[str, dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """Merge ``changes`` into ``base`` in place; return ``{"a.b": {"old", "new"}}`` for leaves that
    actually changed, which is what the record's history keeps."""
    diff = {} if diff is None else diff
    for key, new in changes.items():
        path = f"{prefix}{key}"
        old = base.get(key)
        if isinstance(new, Mapping) and isinstance(old, dict):
            deep_merge(old, new, path + ".", diff)
        elif key not in base or old != new:
            diff[path] = {"old": copy.deepcopy(old), "new": copy.deepcopy(new)}
            base[key] = copy.deepcopy(new) if isinstance(new, (dict, list)) else new
    return diff
