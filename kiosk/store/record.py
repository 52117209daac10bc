"""The lead record as the kiosk store uses it: ``sync.record`` with the kiosk's clock facts filled
in and its errors translated into ``StoreError`` (the store's one exception).

The record itself (fields, construction, validation, versions) is defined once in
``sync.record``; this module only adapts it to the device.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Mapping, TypeVar

from kiosk.errors import StoreError
from sync.device_clock import clock_info, env_clock_source
from sync.record import fields, record, timestamps, validate as record_validate
from sync.record.errors import RecordError
from sync.record.record import effective_tag, empty_contact
from sync.record.timestamps import iso, utc_now
from sync.record.versioning import deep_merge

SCHEMA_VERSION = fields.SCHEMA_VERSION
CONTACT_FIELDS = fields.CONTACT_FIELDS
SYNC_STATES = fields.SYNC_STATES
EDITABLE_KEYS = fields.EDITABLE_KEYS

__all__ = ["CONTACT_FIELDS", "EDITABLE_KEYS", "SCHEMA_VERSION", "SYNC_STATES", "canonical_id", "deep_merge", "effective_tag",
           "empty_contact", "iso", "json_copy", "migrate", "new_lead", "parse_time", "utc_now", "validate"]

T = TypeVar("T")


def _store_error(fn: Callable[..., T], *args: Any) -> T:
    try:
        return fn(*args)
    except RecordError as exc:
        raise StoreError(str(exc)) from exc


def new_lead(*, show_id: str, kiosk_id: str, staff: str | None, contact: Mapping[str, Any] | None,
             answers: Mapping[str, Any] | None, score: Mapping[str, Any], consent: Mapping[str, Any] | None = None,
             notes: str = "", captured_at: datetime | None = None, lead_id: str | None = None,
             clock: Mapping[str, Any] | None = None, card_photo: str | None = None) -> dict[str, Any]:
    """``sync.record.new_lead`` with this device's clock facts (synchronised? boot id, monotonic
    time) measured now, unless the caller brings its own."""
    facts = dict(clock) if clock is not None else clock_info(env_clock_source())
    try:
        return record.new_lead(show_id=show_id, kiosk_id=kiosk_id, staff=staff, contact=contact, answers=answers,
                               score=score, consent=consent, notes=notes, captured_at=captured_at,
                               lead_id=lead_id, clock=facts, card_photo=card_photo)
    except RecordError as exc:
        raise StoreError(str(exc)) from exc


def canonical_id(lead_id: Any) -> str:
    return _store_error(record.canonical_id, lead_id)


def json_copy(value: Any) -> Any:
    return _store_error(record.json_copy, value)


def migrate(rec: Mapping[str, Any]) -> dict[str, Any]:
    return _store_error(record.migrate, rec)


def parse_time(value: str | datetime) -> datetime:
    return _store_error(timestamps.parse_time, value)


def validate(rec: Mapping[str, Any]) -> None:
    """The record package's one validator; a refusal is a ``StoreError`` naming the field."""
    _store_error(record_validate, rec)
