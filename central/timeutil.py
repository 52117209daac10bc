"""UTC helpers. SQLite hands back naive datetimes for ``DateTime(timezone=True)``; everything we
store is UTC, so naive means UTC here."""
from __future__ import annotations

from datetime import datetime, timezone


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
    """An ISO 8601 timestamp with an offset or ``Z``; raises ValueError with the reason otherwise."""
    if not isinstance(text, str) or not text:
        raise ValueError("expected an ISO 8601 timestamp string")
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"not an ISO 8601 timestamp: {text[:40]!r}") from None
    if value.tzinfo is None:
        raise ValueError(f"timestamp without a UTC offset: {text[:40]!r}")
    if not 1970 <= value.year <= 9998:
        raise ValueError(f"timestamp out of range: {text[:40]!r}")
    return value.astimezone(timezone.utc)
