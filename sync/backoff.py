"""Retry delays: exponential backoff with full jitter, overridden by the server's Retry-After.

Full jitter (delay drawn uniformly from [0, min(cap, base * 2**attempt)]) because many kiosks lose
and regain the same show Wi-Fi at the same moment; without jitter they would all retry in step
and knock the central system over again. See
https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/ ("Full Jitter").
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    base_s: float = 0.5
    cap_s: float = 300.0
    max_retry_after_s: float = 3600.0  # a server asking for more than an hour is capped
    rng: random.Random = field(default_factory=random.Random)

    def ceiling(self, attempt: int) -> float:
        """Upper bound of the delay after ``attempt`` consecutive failures (attempt >= 1)."""
        return min(self.cap_s, self.base_s * (2 ** max(0, min(attempt - 1, 40))))

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before the next try. A server's Retry-After is a floor (waiting less
        would only earn another 429); full jitter above it spreads the fleet out a little."""
        if retry_after is not None and retry_after >= 0:
            floor = min(retry_after, self.max_retry_after_s)
            return floor + self.rng.uniform(0, min(1.0, self.base_s))
        return self.rng.uniform(0, self.ceiling(attempt))
