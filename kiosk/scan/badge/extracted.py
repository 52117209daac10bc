"""What a format parser pulls out of a payload, before the shared clean-up turns it into a Contact.
Candidates are lists (best first) because cards carry several emails and phones."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Extracted:
    first_name: str | None = None
    last_name: str | None = None
    full_name: str | None = None
    company: str | None = None
    title: str | None = None
    country: str | None = None
    registration_id: str | None = None
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
