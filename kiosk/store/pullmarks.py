"""Where each destination's pull of its own edits got to (``GET /api/v1/leads:updates?since=``).

Why a file beside the store and not only memory: a kiosk restarted at a show (power cut, update)
would otherwise pull every centrally edited lead again at each start. Why not inside the journal:
the mark is a cache of "what was already asked for", not lead data. Losing it costs one full
pull and loses nothing (``LeadStore.take_remote`` skips a version it already holds), so a
damaged mark file is reported and treated as absent, never as damage to the leads.

The mark is written only after the records it covers are in the store (the worker's order), and
atomically (``sync.atomicfile``): a power cut leaves the old mark or the new, so at worst some
updates are pulled twice, never skipped.
"""
from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Callable

from sync.atomicfile import PRIVATE, atomic_write
from kiosk.errors import StoreError
from sync.record.timestamps import parse_wire_time

FILE_NAME = "pull_marks.json"


class PullMarks:
    """``{destination: mark}`` loaded on first use from ``path`` (None: memory only, the in-memory
    store). ``report`` is told, once, why a mark file could not be used (the store's recovery log)."""

    def __init__(self, path: Path | None, *, readonly: bool = False,
                 report: Callable[[str], None] = lambda _message: None) -> None:
        self.path = path
        self.readonly = readonly
        self._report = report
        self._marks: dict[str, str] | None = None
        self._lock = threading.Lock()

    def get(self, destination: str) -> str | None:
        with self._lock:
            return self._load().get(destination)

    def set(self, destination: str, mark: str | None) -> None:
        """Remember ``mark`` (None forgets it: the next pull is a full one); durable before it returns.
        A read-only store keeps it in memory only (read-only commands never write)."""
        if mark is not None:
            parse_wire_time(mark)   # never persist what the next pull could not send
        with self._lock:
            marks = dict(self._load())
            if mark is None:
                marks.pop(destination, None)
            else:
                marks[destination] = mark
            if self.path is not None and not self.readonly and marks != self._marks:
                try:
                    atomic_write(self.path, json.dumps({"format": "leadkiosk-pull-marks", "marks": marks},
                                                       indent=1, sort_keys=True) + "\n", mode=PRIVATE)
                except OSError as exc:
                    raise StoreError(f"cannot write {self.path}: {exc.strerror or exc}") from exc
            self._marks = marks

    def _load(self) -> dict[str, str]:
        if self._marks is None:
            self._marks = self._read()
        return self._marks

    def _read(self) -> dict[str, str]:
        if self.path is None:
            return {}
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            return self._unusable(f"unreadable ({exc.strerror or exc})")
        try:
            data = json.loads(raw)
        except ValueError as exc:
            return self._unusable(f"not JSON ({exc})")
        marks = data.get("marks") if isinstance(data, dict) else None
        if not isinstance(marks, dict):
            return self._unusable("no \"marks\" object")
        good: dict[str, str] = {}
        for name, mark in marks.items():
            try:
                parse_wire_time(mark)
            except ValueError as exc:
                self._unusable(f"the mark of {name!r} is not a time ({exc})")
                continue
            good[str(name)] = mark
        return good

    def _unusable(self, why: str) -> dict[str, str]:
        self._report(f"pull marks {self.path} {why}: central's edits are pulled in full at the next sync "
                     f"(nothing is lost; versions already here are skipped)")
        return {}
