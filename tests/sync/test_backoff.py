"""Exponential backoff with full jitter, and Retry-After parsing."""
from __future__ import annotations

import email.utils
import random
import time

import pytest

from sync.backoff import Backoff
from sync.http import HttpResponse, check_status, parse_retry_after
from sync.errors import AuthError, PermanentError, TransientError


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
