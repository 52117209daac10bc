"""The one collector of config mistakes, for every config loader (kiosk settings and show files,
sync's destinations, central's settings): each problem names its key path, what was expected and
what was found, and all of them are reported at once, because a booth or server set-up should not
be a loop of fix-one-rerun. Each package raises its own error from the collected list
(``raise_if_any(make_error)``), so this module knows none of them; it is pure (no I/O)."""
from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Callable, Iterable

Problem = tuple[str, str]   # (key path, "expected ..., got ...")


class Problems:
    """Problems of one source (a file name, or ``<config>``), in the order they were found."""

    def __init__(self, source: str | Path, expected_prefix: str = "expected "):
        """``expected_prefix``: central's messages read ``key: a number ..., got 0`` (its CLI's
        documented wording), the kiosk's ``key: expected a number ..., got 0``."""
        self.source = str(source)
        self.expected_prefix = expected_prefix
        self.items: list[Problem] = []

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def add(self, path: str, expected: str, got: Any = ...) -> None:
        """``got`` left out: nothing to show (a missing key, a whole-file problem)."""
        msg = f"{self.expected_prefix}{expected}"
        if got is not ...:
            msg += f", got {shown(got)}"
        self.items.append((path or "(top level)", msg))

    def unknown_keys(self, data: dict[str, Any], allowed: Iterable[str], prefix: str = "") -> None:
        """A key the loader does not know, with the nearest known one (a typo is the usual cause)."""
        allowed = tuple(allowed)
        for key in data:
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), allowed, n=1)
                self.add(f"{prefix}{key}", ("no such key" + (f" (did you mean {hint[0]!r}?)" if hint else "")
                                            + f"; known keys: {', '.join(allowed)}"))

    def message(self) -> str:
        return problems_message(self.source, self.items)

    def raise_if_any(self, make_error: Callable[[str, list[Problem]], Exception]) -> None:
        """Raise ``make_error(source, problems)`` when anything was found."""
        if self.items:
            raise make_error(self.source, list(self.items))


def problems_message(source: str, problems: list[Problem]) -> str:
    """One line for one problem; for several, a count and then each on its own line."""
    if len(problems) == 1:
        return f"{source}: {problems[0][0]}: {problems[0][1]}"
    return f"{source}: {len(problems)} problems:\n" + "\n".join(f"  {p}: {m}" for p, m in problems)


def shown(value: Any) -> str:
    """A found value as the message shows it: repr, cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
