"""``wait_until``: the one way a test waits for something another thread or process does.

Tests run on a loaded 2-core machine: a fixed sleep or a tight deadline fails there for no reason.
So a test polls its condition with a generous limit (the condition normally holds in milliseconds;
the limit only bounds a real failure) and asserts on the state, never on how long it took."""
from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")


def wait_until(cond: Callable[[], T], timeout: float = 60.0, interval: float = 0.05, what: str = "") -> T:
    """Poll ``cond()`` until it returns something truthy, and return that. After ``timeout``
    seconds raise AssertionError naming ``what`` (or the condition) and its last value. An
    exception from ``cond`` propagates at once (a crashed server is not worth waiting for)."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"waited {timeout:g} s for {what or getattr(cond, '__name__', 'a condition')}; "
                                 f"last value: {value!r}")
        time.sleep(interval)
