"""The contact a badge turns into, in the shape the lead record stores (ARCHITECTURE.md)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sync.record.fields import BADGE_FORMATS as FORMATS
from sync.record.fields import CONTACT_FIELDS as FIELDS

__all__ = ["FIELDS", "FORMATS", "Contact"]


@dataclass
class Contact:
    """``raw`` is always kept so a partial parse loses nothing; ``warnings`` tell the staff what to
    check by hand and are not part of the stored record."""

    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    title: str | None = None
    email: str | None = None
    phone: str | None = None
    country: str | None = None
    registration_id: str | None = None
    format: str = "unknown"
    raw: str | None = None
    warnings: list[str] = field(default_factory=list, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIELDS}

    @property
    def has_name(self) -> bool:
        return bool(self.first_name or self.last_name)
