"""The one timestamp format of the lead record: UTC ISO-8601 with milliseconds and ``Z``.

Why one format: the kiosk's index compares ``captured_at`` as text, central compares
``updated_at`` written by the kiosk with its own, and a CRM sees both; two formats (``.123Z`` and
``.123456Z``) sort wrongly against each other.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sync.record.errors import InvalidRecord


def utc_now() -> datetime:
    """The real clock; every caller takes a ``clock``/``now`` argument defaulting to this."""
    return datetime.now(timezone.utc)


def iso(dt: datetime | None = None) -> str:
    """UTC ISO-8601 with milliseconds and a ``Z``: sortable as text, which the index relies on.
    A naive datetime is taken as UTC (as SQLite hands them back)."""
    dt = dt or utc_now()
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    dt = dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_time(value: str | datetime) -> datetime:
    """Accept what callers naturally have (datetime, ``...Z`` or offset ISO text); naive = UTC.
    For the kiosk's own records and query arguments; wire input goes through :func:`parse_wire_time`."""
    if isinstance(value, datetime):
        dt = value
    else:
        try:
            dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError as exc:
            raise InvalidRecord(f"not an ISO-8601 time: {value!r}") from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def parse_wire_time(text: object) -> datetime:
    """A timestamp from another machine: ISO 8601 with an offset or ``Z``, years 1970-9998.
    Stricter than :func:`parse_time` because a naive time from a kiosk is ambiguous.
    Raises ``InvalidRecord`` (a ``ValueError``) with the reason."""
    if not isinstance(text, str) or not text:
        raise InvalidRecord("expected an ISO 8601 timestamp string")
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidRecord(f"not an ISO 8601 timestamp: {text[:40]!r}") from None
    if value.tzinfo is None:
        raise InvalidRecord(f"timestamp without a UTC offset: {text[:40]!r}")
    if not 1970 <= value.year <= 9998:
        raise InvalidRecord(f"timestamp out of range: {text[:40]!r}")
    return value.astimezone(timezone.utc)
