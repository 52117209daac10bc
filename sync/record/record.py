"""Making a lead record (schema 1), copying it safely and migrating older shapes.

Pure: no clock probe, no file access. The kiosk hands in the clock facts it measured
(``sync.device_clock``); central and the tests hand in fixed ones.
"""
from __future__ import annotations

import copy
import json
import uuid
from datetime import datetime
from typing import Any, Callable, Mapping

from sync.record.errors import InvalidRecord
from sync.record.fields import CONTACT_FIELDS, SCHEMA_VERSION
from sync.record.timestamps import iso, utc_now

# The ``clock`` object when the maker did not measure one: honest "we do not know".
UNKNOWN_CLOCK: dict[str, Any] = {"synchronised": False, "source": "unsynchronised", "monotonic_s": None,
                                 "boot_id": None}


def empty_contact(fmt: str = "manual") -> dict[str, Any]:
    """Every contact field present (null), so readers never need ``.get`` defaults per field."""
    contact: dict[str, Any] = {k: None for k in CONTACT_FIELDS}
    contact["format"] = fmt
    return contact


def new_lead(*, show_id: str, kiosk_id: str, staff: str | None, contact: Mapping[str, Any] | None,
             answers: Mapping[str, Any] | None, score: Mapping[str, Any], consent: Mapping[str, Any] | None = None,
             notes: str = "", captured_at: datetime | None = None, lead_id: str | None = None,
             clock: Mapping[str, Any] | None = None, now: Callable[[], datetime] = utc_now,
             card_photo: str | None = None) -> dict[str, Any]:
    """Make a schema-1 record at the moment of capture. ``card_photo`` (base64 JPEG) is the photo
    of the business card the contact was read from; the key exists only on such leads.

    The id is made here, on the device, because it is the idempotency key for every later hop
    (sync retries, central ingest, CRM upserts). The consent, if not given explicitly, is taken
    from ``answers["consent"]`` with the form's consent version from the score result.
    """
    at = captured_at or now()
    merged_contact = empty_contact()
    if contact:
        merged_contact.update(dict(contact))
    answers = dict(answers or {})
    if consent is None:
        consent = {"given": bool(answers.get("consent", False)),
                   "text_version": (score or {}).get("consent_version") or (score or {}).get("form_version"),
                   "at": iso(at) if answers.get("consent") else None}
    record = {
        "schema": SCHEMA_VERSION,
        "id": lead_id or str(uuid.uuid4()),
        "version": 1,
        "show_id": show_id,
        "kiosk_id": kiosk_id,
        "staff": staff,
        "captured_at": iso(at),
        "clock": dict(clock) if clock is not None else dict(UNKNOWN_CLOCK),
        "updated_at": iso(at),
        "contact": merged_contact,
        "answers": answers,
        "consent": dict(consent),
        "score": dict(score),
        "notes": notes or "",
        "history": [{"version": 1, "at": iso(at), "actor": staff or "kiosk", "changes": {}}],
        "sync": {},
        "outcome": None,
        "purged": False,
    }
    if card_photo is not None:
        record["card_photo"] = card_photo
    copied: dict[str, Any] = json_copy(record)
    return copied


def canonical_id(lead_id: Any) -> str:
    """The one spelling of a lead id (lower-case, hyphenated UUID). Ids are compared as text
    everywhere (store index, central's ownership check), so every boundary normalises with this;
    anything that is not a hyphenated UUID raises InvalidRecord."""
    text = str(lead_id)
    try:
        canonical = str(uuid.UUID(text))
    except ValueError:
        raise InvalidRecord(f"lead id {text[:60]!r} is not a UUID") from None
    if len(text) != 36 or canonical != text.lower():
        raise InvalidRecord(f"lead id {text[:60]!r} is not a hyphenated UUID like {canonical}")
    return canonical


def json_copy(value: Any) -> Any:
    """A deep copy that also proves the value is JSON (what the journal and the wire will carry)."""
    try:
        return json.loads(json.dumps(value, ensure_ascii=False, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise InvalidRecord(f"lead is not JSON-serialisable: {exc}") from exc


def effective_tag(record: Mapping[str, Any]) -> str | None:
    """The tag everyone acts on: the staff override if any, else the computed one."""
    score = record.get("score") or {}
    tag = score.get("override") or score.get("tag") or score.get("computed_tag")
    return str(tag) if tag is not None else None


def wire_record(lead: Mapping[str, Any]) -> dict[str, Any]:
    """The lead as it leaves the kiosk: the kiosk's own sync bookkeeping stays home, and of a
    sealed record only the box sealed to central travels (the kiosk's own box and its duplicate
    hashes are of no use elsewhere)."""
    out = {k: v for k, v in lead.items() if k != "sync"}
    sealed = out.get("sealed")
    if isinstance(sealed, dict):
        out["sealed"] = {"v": sealed.get("v"), "central": sealed.get("central")}
        if sealed.get("overlays"):
            out["sealed"]["overlays"] = [{"central": ov.get("central")} for ov in sealed["overlays"]]
    return out


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
    contact = empty_contact("unknown")
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
    rec.setdefault("clock", dict(UNKNOWN_CLOCK))
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
        raise InvalidRecord(f"lead {rec.get('id')!r} has schema {schema!r}; this build reads up to {SCHEMA_VERSION}")
    while schema < SCHEMA_VERSION:
        rec = MIGRATIONS[schema](rec)
        schema = rec["schema"]
    return rec
