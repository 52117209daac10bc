"""Damage found on an earlier start stays loud until staff say they saw it.

Why: the store reports damage for the run that finds it; that run keeps the damaged files
(``*.damaged-<time>``) and rebuilds, so the next start opens a whole store. A booth kiosk that
is power-cycled right after (the usual first reaction to a problem) would then show nothing.
The kept files are the durable trace: each one not yet acknowledged keeps the banner up, and
staff acknowledge in the staff area (their name and the time go to ``recovery.log``). The
acknowledged names live in ``damage_seen.json`` beside the store, written atomically.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from sync.atomicfile import PRIVATE, atomic_write
from kiosk.errors import StoreError

FILE_NAME = "damage_seen.json"
MARK = ".damaged-"


def kept_files(directory: Path | None) -> list[Path]:
    """Every damaged file (or folder) the store kept in ``directory``, oldest name first."""
    if directory is None:
        return []
    try:
        return sorted(p for p in directory.iterdir() if MARK in p.name)
    except OSError:
        return []


class DamageSeen:
    """The kept damaged files staff have acknowledged, by name. ``report`` hears, once, why the
    file could not be read (then nothing counts as acknowledged: louder, never quieter)."""

    def __init__(self, directory: Path | None, *, readonly: bool = False,
                 report: Callable[[str], None] = lambda _message: None) -> None:
        self.path = None if directory is None else directory / FILE_NAME
        self.readonly = readonly
        self._report = report
        self._names: set[str] | None = None

    def seen(self) -> set[str]:
        if self._names is None:
            self._names = self._read()
        return set(self._names)

    def acknowledge(self, names: list[str]) -> None:
        names_now = self.seen() | set(names)
        if self.path is not None and not self.readonly:
            try:
                atomic_write(self.path, json.dumps({"format": "leadkiosk-damage-seen", "seen": sorted(names_now)},
                                                   indent=1) + "\n", mode=PRIVATE)
            except OSError as exc:
                raise StoreError(f"cannot write {self.path}: {exc.strerror or exc}") from exc
        self._names = names_now

    def _read(self) -> set[str]:
        if self.path is None:
            return set()
        try:
            data = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return set()
        except (OSError, ValueError) as exc:
            self._report(f"{self.path} unreadable ({exc}): earlier damage is shown again until acknowledged")
            return set()
        seen = data.get("seen") if isinstance(data, dict) else None
        if not isinstance(seen, list):
            self._report(f"{self.path} has no \"seen\" list: earlier damage is shown again until acknowledged")
            return set()
        return {s for s in seen if isinstance(s, str)}
