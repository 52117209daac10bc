"""Review-app settings, from the environment with validation (errors name the variable)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from central.errors import CentralError


class ReviewConfigError(CentralError):
    """A review-app setting is malformed."""


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class ReviewSettings:
    """Session lifetimes and cookie flags; ``clock`` is replaceable so tests can expire sessions."""

    idle_timeout_s: int = 2 * 3600       # a session unused this long is gone
    max_age_s: int = 12 * 3600           # and none lives longer than one working day
    secure_cookies: bool = False         # set LEADKIOSK_REVIEW_SECURE_COOKIES=1 behind HTTPS
    page_size: int = 50
    clock: Callable[[], datetime] = field(default=utcnow)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "ReviewSettings":
        env = dict(os.environ if env is None else env)
        s = cls()
        for var, attr in (("LEADKIOSK_REVIEW_IDLE_S", "idle_timeout_s"),
                          ("LEADKIOSK_REVIEW_MAX_AGE_S", "max_age_s")):
            if var in env:
                try:
                    v = int(env[var])
                    if v <= 0:
                        raise ValueError
                except ValueError:
                    raise ReviewConfigError(f"environment {var}: expected a positive number of seconds, got {env[var]!r}") from None
                setattr(s, attr, v)
        if "LEADKIOSK_REVIEW_SECURE_COOKIES" in env:
            raw = env["LEADKIOSK_REVIEW_SECURE_COOKIES"].strip().lower()
            if raw not in ("0", "1", "true", "false", "yes", "no"):
                raise ReviewConfigError(f"environment LEADKIOSK_REVIEW_SECURE_COOKIES: expected 1 or 0, got {raw!r}")
            s.secure_cookies = raw in ("1", "true", "yes")
        return s
