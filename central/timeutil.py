"""UTC helpers. SQLite hands back naive datetimes for ``DateTime(timezone=True)``; everything we
store is UTC, so naive means UTC here."""
from __future__ import annotations

from datetime import datetime, timezone

from sync.record.timestamps import parse_wire_time


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def iso(value: datetime | None) -> str | None:
    v = aware(value)
    return v.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if v else None


def parse_iso(text: object) -> datetime:
    """An ISO 8601 timestamp with an offset or ``Z``; raises ValueError with the reason otherwise
    (the record package's wire rule, so ingest and the kiosk agree on what a time is)."""
    return parse_wire_time(text)
