"""The lead store as the sync worker sees it, written out as a Protocol.

Why: the worker runs in the kiosk's process on a booth; a store method it reaches by name
(``getattr(store, "damage", None)``) and that was renamed fails there, silently or at the worst
moment. Stated here, ``kiosk.store.LeadStore`` (and ``MemoryLeadStore``) is checked against it
(tests/sync/test_storeport.py), and a test double must offer the same surface.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Iterable, Mapping, Protocol, runtime_checkable

Mark = tuple[str, str, int, str, "str | None", "str | datetime | None"]


@runtime_checkable
class SyncStore(Protocol):
    """What ``sync.worker.SyncWorker`` needs from the lead store (ARCHITECTURE.md, Store API)."""

    def pending(self, destination: str, limit: int | None = None,
                due_before: str | datetime | None = None,
                accept: Callable[[dict[str, Any]], bool] | None = None) -> list[dict[str, Any]]:
        """Lead versions still to deliver to ``destination``, hot first."""
        ...

    def mark_sync(self, lead_id: str, destination: str, version: int, state: str,
                  error: str | None = None, next_attempt_at: str | datetime | None = None) -> None: ...

    def mark_sync_many(self, marks: Iterable[Mark]) -> None:
        """Several marks as one durable change set (one fsync per batch)."""
        ...

    def sync_status(self, destinations: Iterable[str] | None = None) -> dict[str, dict[str, Any]]: ...

    def find(self) -> list[dict[str, Any]]:
        """Every lead (the parked list); the store's filters are optional extras."""
        ...

    def get(self, lead_id: str) -> dict[str, Any] | None: ...

    def save(self, lead: Mapping[str, Any]) -> dict[str, Any]: ...

    def take_remote(self, record: Mapping[str, Any], destination: str = "central",
                    base_version: int | None = None) -> dict[str, Any]:
        """A destination's newer version of a lead (its edits or its merge of ours)."""
        ...

    def pull_mark(self, destination: str) -> str | None:
        """Where the pull of ``destination``'s edits got to (durable across restarts); None: all."""
        ...

    def set_pull_mark(self, destination: str, mark: str | None) -> None:
        """Remember it durably, after the records it covers are taken."""
        ...

    def note_recovery(self, message: str) -> None:
        """A line in the recovery report (e.g. leads restored from central)."""
        ...

    @property
    def damage(self) -> list[str]:
        """Data lost or at risk found at open; non-empty: leads central holds are fetched back."""
        ...
