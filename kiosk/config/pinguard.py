"""Slowing down PIN guessing on the kiosk's keypad, across restarts.

Why: the staff area opens every lead of the show; a 4-digit PIN falls to a patient visitor in
under a minute if wrong PINs cost nothing (a tester got in after 1,234 tries in 45 s). A few
typos are free; after that every wrong PIN makes the keypad wait, doubling up to an hour. The
count lives in ``DATA/pin_guard.json`` (written atomically, 0600), so pulling the power cord does
not reset it. Time is an input (``clock``, seconds since the epoch); a clock that jumped back
cannot stretch a wait beyond the longest one.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sync.atomicfile import atomic_write

log = logging.getLogger(__name__)
GUARD_FILE = "pin_guard.json"


@dataclass(frozen=True)
class PinPolicy:
    free: int = 3            # wrong PINs that cost nothing (typos)
    base_s: float = 30.0     # the first wait; doubles with every further wrong PIN
    max_s: float = 3600.0    # the longest wait (a lockout)

    def delay_s(self, failures: int) -> float:
        if failures <= self.free:
            return 0.0
        return min(self.max_s, self.base_s * 2 ** min(failures - self.free - 1, 30))


class PinGuard:
    """Failure count and the time until the keypad accepts the next PIN. ``path`` None keeps
    the state in memory (tests of the staff service without a data directory)."""

    def __init__(self, path: Path | None, clock: Callable[[], float] = time.time,
                 policy: PinPolicy = PinPolicy()) -> None:
        self.path = path
        self.clock = clock
        self.policy = policy
        self.failures, self.locked_until = self._load()

    def _load(self) -> tuple[int, float]:
        if self.path is None:
            return 0, 0.0
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return max(0, int(data["failures"])), float(data["locked_until"])
        except FileNotFoundError:
            return 0, 0.0
        except (OSError, ValueError, KeyError, TypeError) as exc:
            # a damaged file must not open the keypad: treat it as a full lockout
            log.warning("PIN guard %s unreadable (%s): keypad locked for the longest wait", self.path, exc)
            return self.policy.free + 30, self.clock() + self.policy.max_s

    def _save(self) -> None:
        if self.path is not None:
            atomic_write(self.path, json.dumps({"failures": self.failures, "locked_until": self.locked_until}),
                         mode=0o600)

    def wait_s(self) -> float:
        """Seconds until the next PIN may be tried (0: now)."""
        remaining = self.locked_until - self.clock()
        return max(0.0, min(remaining, self.policy.max_s))

    def failed(self) -> float:
        """Count a wrong PIN; returns the wait it causes."""
        self.failures += 1
        delay = self.policy.delay_s(self.failures)
        self.locked_until = self.clock() + delay if delay else 0.0
        if delay:
            log.warning("staff PIN: %d wrong in a row, keypad waits %.0f s", self.failures, delay)
        self._save()
        return delay

    def succeeded(self) -> None:
        if self.failures or self.locked_until:
            self.failures, self.locked_until = 0, 0.0
            self._save()
