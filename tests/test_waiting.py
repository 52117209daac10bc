"""tests.support.waiting.wait_until: returns the condition's value, fails with a named message."""
from __future__ import annotations

import itertools

import pytest

from tests.support.waiting import wait_until


def test_returns_the_first_truthy_value() -> None:
    counter = itertools.count()
    assert wait_until(lambda: next(counter) >= 3 and "done", timeout=30, interval=0) == "done"


def test_times_out_with_what_and_the_last_value() -> None:
    queue = [1]
    with pytest.raises(AssertionError, match=r"waited 0\.2 s for the queue to drain; last value: False"):
        wait_until(lambda: len(queue) == 0, timeout=0.2, interval=0.01, what="the queue to drain")


def test_an_exception_in_the_condition_is_not_waited_out() -> None:
    def boom() -> bool:
        raise RuntimeError("server exited")
    with pytest.raises(RuntimeError, match="server exited"):
        wait_until(boom, timeout=60)
