"""Exponential backoff with full jitter, and Retry-After parsing."""
from __future__ import annotations

import email.utils
import random
import time
from datetime import timedelta
from typing import Sequence

import pytest

from kiosk.store import MemoryLeadStore, new_lead
from kiosk.store.record import parse_time
from sync.backoff import Backoff
from sync.errors import AuthError, PermanentError, TransientError
from sync.http import HttpResponse, check_status, parse_retry_after
from sync.transports.base import ItemResult
from sync.worker import SyncWorker
from tests.support.clock import CLOCK_STARTS, clock_at


def test_full_jitter_bounds_and_spread() -> None:
    b = Backoff(base_s=0.5, cap_s=60.0, rng=random.Random(1))
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (5, 8.0), (8, 60.0), (30, 60.0)]:
        assert b.ceiling(attempt) == ceiling
        samples = [b.delay(attempt) for _ in range(2000)]
        assert all(0.0 <= s <= ceiling for s in samples)
        # full jitter: spread over the whole range, not clustered at the ceiling
        assert min(samples) < 0.05 * ceiling and max(samples) > 0.95 * ceiling
        assert 0.4 * ceiling < sum(samples) / len(samples) < 0.6 * ceiling


def test_retry_after_is_a_floor_and_capped() -> None:
    b = Backoff(base_s=0.5, cap_s=60.0, max_retry_after_s=3600, rng=random.Random(2))
    for _ in range(200):
        d = b.delay(1, retry_after=7.0)
        assert 7.0 <= d <= 7.5
    assert b.delay(1, retry_after=86400) <= 3600.5


def test_parse_retry_after() -> None:
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(" 0 ") == 0.0
    now = time.time()
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert 28 <= parse_retry_after(date, now=now) <= 31
    assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


@pytest.mark.parametrize("status,exc", [(500, TransientError), (502, TransientError), (503, TransientError),
                                        (429, TransientError), (408, TransientError), (401, AuthError),
                                        (403, AuthError), (400, PermanentError), (404, PermanentError),
                                        (413, PermanentError), (422, PermanentError)])
def test_status_classification(status: int, exc: type) -> None:
    resp = HttpResponse(status=status, headers={"Retry-After": "3"}, body=b'{"detail": "x"}', url="u")
    with pytest.raises(exc) as info:
        check_status(resp, "POST /x")
    if exc is TransientError:
        assert info.value.retry_after == 3.0
    if exc is PermanentError:
        assert info.value.splittable == (status in (400, 413, 422))
    assert check_status(HttpResponse(status=207, headers={}, body=b""), "x").status == 207


class _Flaky:
    """A destination that fails every request the way ``mode`` says: the whole request with a
    Retry-After (worker-level backoff) or each lead with ``retry`` (per-lead backoff)."""

    kind = "webhook"
    max_batch = 10

    def __init__(self, mode: str) -> None:
        self.name, self.mode = "crm", mode

    def send(self, leads: Sequence[dict]) -> list[ItemResult]:
        if self.mode == "request":
            raise TransientError("HTTP 503", retry_after=120.0)
        return [ItemResult(lead["id"], lead["version"], "retry", "HTTP 429 for this contact") for lead in leads]

    def close(self) -> None:
        pass


@pytest.mark.parametrize("start", CLOCK_STARTS)
@pytest.mark.parametrize("mode", ["request", "lead"])
def test_backoff_deadlines_come_from_the_given_clock(start: str, mode: str) -> None:
    """The worker's next attempt, error time and the store's due check read one controlled clock
    (on a fixed date and a year ahead: a real-clock read anywhere is a year off and fails)."""
    clock = clock_at(start)
    store = MemoryLeadStore(clock=clock)
    lead = store.save(new_lead(show_id="demo", kiosk_id="booth-1", staff="Ana",
                               contact={"first_name": "Ana", "format": "manual"}, answers={"consent": True},
                               score={"score": 50, "computed_tag": "warm", "tag": "warm", "discarded": False,
                                      "reasons": [], "dropped": [], "form_id": "bant"},
                               captured_at=clock()))
    worker = SyncWorker(store, [_Flaky(mode)], clock=clock.epoch,
                        backoff=lambda: Backoff(base_s=0.01, cap_s=0.02, rng=random.Random(3)))
    worker.run_once(max_wait_s=5, max_attempts=1)
    entry = store.get(lead["id"])["sync"]["crm"]
    delay = (parse_time(entry["next_attempt_at"]) - clock()).total_seconds()
    assert (120.0 <= delay <= 120.02) if mode == "request" else (0.0 <= delay <= 0.02)
    assert entry["state"] == "failed" and parse_time(entry["last_attempt_at"]) == clock()
    assert parse_time(worker.status()["destinations"]["crm"]["last_error_at"]) == clock()
    if mode == "request":  # not due before the Retry-After has passed by the store's clock
        assert store.pending("crm", due_before=clock()) == []
    later = clock() + timedelta(seconds=121)
    assert [x["id"] for x in store.pending("crm", due_before=later)] == [lead["id"]]
