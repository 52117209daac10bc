"""TinyDB's table, taught to hand the storage only what changed.

``tinydb.Table._update_table`` reads the whole state, converts every key, runs the update and
writes the whole state back: O(number of documents) per save before any I/O. ``JournalTable``
runs the same updaters against a copy-on-write overlay and commits only the touched documents as
one atomic change set, so every TinyDB write method (insert, update, remove, upsert, ...) keeps
its meaning and a save costs the same at 10 leads and at 10,000.
"""
from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, Callable, Iterator

from tinydb import TinyDB
from tinydb.table import Table

from kiosk.store.files import dumps, loads
from kiosk.store.journal import JournalStorage

_MISSING = object()


class _Overlay(MutableMapping):
    """A dict view keyed by int doc ids over the live str-keyed table. Reads hand out private
    copies, writes are staged; nothing touches the live table until the storage has the change
    on disk."""

    def __init__(self, live: dict[str, Any], id_class: Callable[[Any], Any]) -> None:
        self.live = live
        self.id_class = id_class
        self.staged: dict[str, Any] = {}  # str id -> doc, or _MISSING for a deletion

    def __getitem__(self, key: Any) -> Any:
        k = str(key)
        if k in self.staged:
            doc = self.staged[k]
            if doc is _MISSING:
                raise KeyError(key)
            return doc
        doc = loads(dumps(self.live[k]))  # private deep copy; KeyError if absent
        self.staged[k] = doc
        return doc

    def __setitem__(self, key: Any, value: Any) -> None:
        self.staged[str(key)] = value

    def __delitem__(self, key: Any) -> None:
        if key not in self:
            raise KeyError(key)
        self.staged[str(key)] = _MISSING

    def __contains__(self, key: object) -> bool:
        k = str(key)
        if k in self.staged:
            return self.staged[k] is not _MISSING
        return k in self.live

    def __iter__(self) -> Iterator[Any]:
        seen = set()
        for k in self.live:
            seen.add(k)
            if self.staged.get(k, None) is not _MISSING:
                yield self.id_class(k)
        for k, v in self.staged.items():
            if k not in seen and v is not _MISSING:
                yield self.id_class(k)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def clear(self) -> None:
        for k in list(self.live) + list(self.staged):
            self.staged[k] = _MISSING

    def ops(self, table: str) -> list[list[Any]]:
        out: list[list[Any]] = []
        for k, doc in self.staged.items():
            if doc is _MISSING:
                if k in self.live:
                    out.append(["del", table, k])
            elif self.live.get(k, _MISSING) != doc:  # read but unchanged: nothing to write
                out.append(["put", table, k, loads(dumps(dict(doc)))])
        return out


class JournalTable(Table):
    """A TinyDB table whose writes go to :meth:`JournalStorage.commit` as change sets."""

    def _update_table(self, updater: Callable[[dict[int, Any]], None]) -> None:  # type: ignore[override]
        storage = self._storage
        with storage.transaction():  # type: ignore[attr-defined]
            tables = storage.read() or {}
            overlay = _Overlay(tables.get(self.name, {}), self.document_id_class)
            updater(overlay)  # type: ignore[arg-type]
            storage.commit(overlay.ops(self.name))  # type: ignore[attr-defined]
        self.clear_cache()

    def _get_next_id(self) -> int:
        """TinyDB caches the next id; another process sharing the directory may have used it, so
        recompute from the live table when the cached one is taken (rare, O(n) only then)."""
        next_id = self._next_id
        live = (self._storage.read() or {}).get(self.name, {})
        if next_id is None or str(next_id) in live:
            next_id = max((int(k) for k in live), default=0) + 1
        self._next_id = next_id + 1
        return next_id

    def replace_many(self, docs: dict[int, dict[str, Any]]) -> None:
        """Replace several whole documents in one durable change set (rescore, purge)."""
        def updater(table: dict[int, Any]) -> None:
            for doc_id, doc in docs.items():
                table[doc_id] = doc
        self._update_table(updater)


class LeadDB(TinyDB):
    """TinyDB with the durable journal storage and change-set tables by default."""

    table_class = JournalTable
    default_storage_class = JournalStorage
