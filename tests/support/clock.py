"""A controlled clock: code under test takes ``clock`` (a callable returning an aware datetime).

The guard against tests that depend on the calendar: fixtures built on :func:`clock_at` run each
test once on a fixed date and once on a clock 400 days ahead of the real one. Code that reads the
real clock instead of the one it was given is then more than a year off within one test, so its
timestamps, retention cut-offs, backoff deadlines or session expiries come out wrong and the test
fails on any day, not only on the day the calendar happens to catch up with a fixed date.
"""
from __future__ import annotations

import contextlib
import os
from datetime import datetime, timedelta, timezone
from typing import Iterator

YEAR_AHEAD = timedelta(days=400)
CLOCK_STARTS = ("fixed", "year-ahead")


class FakeClock:
    """Returns the same instant until a test moves it; ``advance`` moves it forward."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 22, 10, 42, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def epoch(self) -> float:
        """The same instant in epoch seconds, for components whose clock is ``time.time``-shaped."""
        return self.now.timestamp()


def clock_at(start: str) -> FakeClock:
    """``fixed``: the default date above. ``year-ahead``: 400 days after the real now (whole
    seconds), so it never meets the real calendar."""
    if start == "fixed":
        return FakeClock()
    if start == "year-ahead":
        return FakeClock(datetime.now(timezone.utc).replace(microsecond=0) + YEAR_AHEAD)
    raise ValueError(f"clock start: expected one of {CLOCK_STARTS}, got {start!r}")


@contextlib.contextmanager
def real_clock_environ() -> Iterator[None]:
    """While the block runs, processes started inherit no libfaketime preload (and no FAKETIME*).

    For ``deploy/dev/run-tests-shifted`` (the suite with every clock moved by a year): an outside
    component that cannot run shifted (Chromium and its Playwright driver: pages never finish
    loading) is started on the real clock. Outside a shifted run this changes nothing."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("FAKETIME") or k == "LD_PRELOAD"}
    try:
        for k in saved:
            del os.environ[k]
        kept = [p for p in saved.get("LD_PRELOAD", "").split() if "faketime" not in p]
        if kept:
            os.environ["LD_PRELOAD"] = " ".join(kept)
        yield
    finally:
        os.environ.pop("LD_PRELOAD", None)
        os.environ.update(saved)
