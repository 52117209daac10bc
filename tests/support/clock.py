"""A controlled clock: code under test takes ``clock`` (a callable returning an aware datetime)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone


class FakeClock:
    """Returns the same instant until a test moves it; ``advance`` moves it forward."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 22, 10, 42, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now
