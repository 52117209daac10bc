"""The kiosk's config problems: ``sync.problems`` (every mistake at once, key path, did-you-mean)
raising ``kiosk.errors.ConfigError``."""
from __future__ import annotations

import re
from typing import Any, Callable

from kiosk.errors import ConfigError
from sync.problems import Problem, problems_message
from sync.problems import Problems as _Problems

SHOW_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class Problems(_Problems):
    """``sync.problems.Problems`` raising the kiosk's ``ConfigError``."""

    def raise_if_any(self, make_error: Callable[[str, list[Problem]], Exception] | None = None) -> None:
        super().raise_if_any(make_error or config_error)


def config_error(source: str, problems: list[Problem]) -> ConfigError:
    """One ConfigError listing every problem; ``source`` and ``problems`` are kept on it for UIs."""
    exc = ConfigError(problems_message(source, problems))
    exc.source = source  # type: ignore[attr-defined]
    exc.problems = list(problems)  # type: ignore[attr-defined]
    return exc


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)
