"""Slowing down guessing: review sign-in (per account and per address) and enrollment codes (per
address).

Why in the database: several central processes sit behind one load balancer, and a guesser spread
over them must count once. Why delays that grow instead of a hard lock: a hard lock hands anyone
who knows a colleague's e-mail a way to keep them out for the day; a delay that doubles after a
few free mistakes (capped at 15 minutes) makes 40 guesses take hours and a typo cost nothing.
While a key is held back the password is not even checked, so the right one is not "accepted at
once" after a run of wrong ones. Time comes from the caller's clock.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Sequence

from sqlalchemy import delete, select

from central.db import Database
from central.models import AuthThrottle

log = logging.getLogger("central.security")


@dataclass(frozen=True)
class Rule:
    """``free`` failures within ``window_s`` cost nothing; then each failure holds the key back for
    ``base_s`` doubling up to ``max_s``."""

    free: int
    window_s: float = 15 * 60
    base_s: float = 30.0
    max_s: float = 15 * 60

    def delay_s(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return min(self.max_s, self.base_s * 2 ** min(failures - self.free, 20))


SIGN_IN_ACCOUNT = Rule(free=5)
SIGN_IN_ADDRESS = Rule(free=20)
ENROLL_ADDRESS = Rule(free=10)


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def wait_message(seconds: float) -> str:
    minutes = int(seconds + 59) // 60
    return f"{minutes} minute{'s' if minutes != 1 else ''}" if seconds > 60 else f"{int(seconds) + 1} seconds"


class Throttle:
    """Counts failures per key in ``auth_throttle``."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock

    def wait_s(self, keys: Sequence[str]) -> float:
        """Seconds until all ``keys`` may try again (0: go ahead)."""
        now = self.clock()
        with self.db.session() as s:
            rows = s.scalars(select(AuthThrottle).where(AuthThrottle.key.in_(list(keys)))).all()
        waits = [(_aware(r.locked_until) - now).total_seconds() for r in rows if r.locked_until is not None]
        return max([0.0, *waits])

    def failed(self, keyed: Sequence[tuple[str, Rule]], what: str) -> None:
        """Count a failure against every key; logs when a key starts being held back."""
        now = self.clock()
        with self.db.session(write=True) as s:
            for key, rule in keyed:
                row = s.get(AuthThrottle, key)
                if row is None:
                    row = AuthThrottle(key=key, failures=0, window_start=now, locked_until=None)
                    s.add(row)
                elif _aware(row.window_start) + timedelta(seconds=rule.window_s) <= now and (
                        row.locked_until is None or _aware(row.locked_until) <= now):
                    row.failures, row.window_start, row.locked_until = 0, now, None
                row.failures += 1
                delay = rule.delay_s(row.failures)
                if delay:
                    row.locked_until = now + timedelta(seconds=delay)
                    row.window_start = now  # the window runs on while the guessing goes on
                    log.warning("%s: %s held back for %.0f s after %d failures", what, key, delay, row.failures)

    def succeeded(self, keys: Sequence[str]) -> None:
        with self.db.session(write=True) as s:
            s.execute(delete(AuthThrottle).where(AuthThrottle.key.in_(list(keys))))
