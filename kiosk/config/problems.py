"""Collecting config mistakes so one ConfigError names every one of them (file, key path, what was
expected, what was found): a booth set-up should not be a loop of fix-one-rerun."""
from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any, Iterable

from kiosk.errors import ConfigError

SHOW_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class Problems:
    def __init__(self, source: str | Path):
        self.source = str(source)
        self.items: list[tuple[str, str]] = []

    def add(self, path: str, expected: str, got: Any = ..., ) -> None:
        msg = f"expected {expected}"
        if got is not ...:
            msg += f", got {_show(got)}"
        self.items.append((path or "(top level)", msg))

    def unknown_keys(self, data: dict, allowed: Iterable[str], prefix: str = "") -> None:
        allowed = tuple(allowed)
        for key in data:
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), allowed, n=1)
                self.add(f"{prefix}{key}", ("no such key" + (f" (did you mean {hint[0]!r}?)" if hint else "")
                                            + f"; known keys: {', '.join(allowed)}"))

    def raise_if_any(self) -> None:
        if self.items:
            raise config_error(self.source, self.items)


def config_error(source: str, problems: list[tuple[str, str]]) -> ConfigError:
    """One ConfigError listing every problem; ``source`` and ``problems`` are kept on it for UIs."""
    if len(problems) == 1:
        message = f"{source}: {problems[0][0]}: {problems[0][1]}"
    else:
        message = f"{source}: {len(problems)} problems:\n" + "\n".join(f"  {p}: {m}" for p, m in problems)
    exc = ConfigError(message)
    exc.source = source  # type: ignore[attr-defined]
    exc.problems = list(problems)  # type: ignore[attr-defined]
    return exc


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)
