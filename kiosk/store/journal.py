"""A TinyDB storage that is atomic, durable and whose save cost does not grow with the data.

TinyDB's ``JSONStorage`` rewrites the whole file on every write (146 ms per save at 10,000 leads,
and a torn file if the process dies between write and truncate). This storage keeps TinyDB's
``Storage`` interface (``read``/``write``/``close``) but persists changes as an append-only
journal next to a snapshot:

``store.snapshot``
    header line ``{"format", "generation", "length", "crc32"}`` + the full TinyDB JSON state.
    Written only by compaction: temp file, fsync, rename, fsync the directory.
``store.journal``
    checksummed lines (see :mod:`kiosk.store.files`). Line 1 names the snapshot generation it
    follows; every later line is one atomic change set ``{"ops": [["put", table, id, doc] |
    ["del", table, id], ...]}``. A change is acknowledged after ``write`` + ``fdatasync``.
``store.snapshot.prev`` / ``store.journal.prev``
    the previous generation, kept so a damaged snapshot can be rebuilt (prev + its journal + the
    current journal).

Opening never rewrites a damaged file: it is given a ``.damaged-<UTC time>`` name, the last good
state is rebuilt from the rest and compacted into a fresh generation, and the event is logged.
``read()`` returns the live in-memory state (no copy); :class:`kiosk.store.table.JournalTable`
sends only changed documents through :meth:`JournalStorage.commit`. Several processes may share
a directory: every operation takes an ``flock`` and first catches up with what others appended.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import threading
import time
import zlib
from pathlib import Path
from typing import Any, Callable, Iterator

from tinydb.storages import Storage

from sync.atomicfile import open_private
from kiosk.errors import StoreError
from kiosk.store.files import (atomic_write, decode_line, dumps, encode_line, fsync_dir, loads,
                               preserve_copy, store_error, write_all)

log = logging.getLogger("kiosk.store")

SNAPSHOT = "store.snapshot"
JOURNAL = "store.journal"
FORMAT = "leadkiosk-store"
FORMAT_VERSION = 1

Tables = dict[str, dict[str, Any]]
Op = list[Any]  # ["put", table, doc_id, doc] | ["del", table, doc_id]
ChangeHook = Callable[["set[tuple[str, str]] | None"], None]


_UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def ids_in(raw: bytes) -> list[str]:
    """Lead ids still readable in damaged bytes: what recovery.log can name as lost."""
    seen: dict[str, None] = {}
    for m in _UUID.finditer(raw):
        seen.setdefault(m.group().decode(), None)
    return list(seen)


class _Journal:
    """What a journal file held when read: its generation, change sets, and whether it is damaged."""

    def __init__(self) -> None:
        self.generation: int | None = None
        self.changes: list[list[Op]] = []
        self.damage: list[str] = []
        self.lost_ids: list[str] = []
        self.lost_lines = 0
        self.size = 0


def read_snapshot(path: Path) -> tuple[int, Tables] | str | None:
    """(generation, tables), or a string saying why the file is damaged, or None if absent."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:  # a directory, unreadable: damage to report, never a traceback
        return f"unreadable ({exc.strerror or exc})"
    head, sep, body = raw.partition(b"\n")
    try:
        header = json.loads(head)
        if not sep or header.get("format") != FORMAT:
            return "not a lead store snapshot"
        if int(header.get("format_version", 0)) > FORMAT_VERSION:  # a downgrade: do not "repair" it
            raise StoreError(f"{path} was written by a newer leadkiosk (store format "
                             f"{header.get('format_version')}, this build reads {FORMAT_VERSION}); upgrade this kiosk")
        if len(body) != header["length"]:
            return f"truncated: {len(body)} of {header['length']} bytes"
        if zlib.crc32(body) != header["crc32"]:
            return "checksum mismatch"
        tables = loads(body)
        if not isinstance(tables, dict):
            return "body is not an object"
        return int(header["generation"]), tables
    except (ValueError, KeyError, TypeError) as exc:
        return f"unreadable ({exc})"


def read_journal(path: Path) -> _Journal | None:
    """Parse a journal, keeping every intact change set (a bad line in the middle costs only that
    line; a torn last line is a write that was never acknowledged)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        j = _Journal()
        j.damage.append(f"unreadable ({exc.strerror or exc})")
        return j
    j = _Journal()
    j.size = len(raw)
    lines = raw.split(b"\n")
    tail = lines.pop()  # b"" when the file ends with a newline
    if tail:
        ids = ids_in(tail)
        j.lost_ids.extend(ids)
        j.lost_lines += 1
        # A power cut while saving leaves this too, and then the save was never acknowledged;
        # but a file cut short later looks the same, so never claim which one it was.
        j.damage.append(f"torn last line ({len(tail)} bytes{', holding lead ' + ', '.join(ids) if ids else ''}): "
                        "a save cut short, or the file was cut; lost if it was ever acknowledged")
    for number, line in enumerate(lines, start=1):
        try:
            entry = decode_line(line)
        except ValueError as exc:
            ids = ids_in(line)
            j.lost_ids.extend(i for i in ids if i not in j.lost_ids)
            j.lost_lines += 1
            j.damage.append(f"line {number}: {exc}" + (f" (lost change to lead {', '.join(ids)})" if ids else ""))
            continue
        if number == 1 and isinstance(entry, dict) and "generation" in entry:
            j.generation = int(entry["generation"])
        elif isinstance(entry, dict) and isinstance(entry.get("ops"), list):
            j.changes.append(entry["ops"])
        else:
            j.damage.append(f"line {number}: unexpected entry")
    return j


def apply_ops(tables: Tables, ops: list[Op], changed: set[tuple[str, str]] | None = None) -> None:
    for op in ops:
        kind, table, doc_id = op[0], op[1], str(op[2])
        if kind == "put":
            tables.setdefault(table, {})[doc_id] = op[3]
        elif kind == "del":
            tables.get(table, {}).pop(doc_id, None)
        else:
            raise ValueError(f"unknown journal op {kind!r}")
        if changed is not None:
            changed.add((table, doc_id))


def _stamp(now: float | None = None) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now)) + f"-{os.getpid()}"


class JournalStorage(Storage):
    """Durable TinyDB storage (see the module docstring). Raises :class:`StoreError` only."""

    def __init__(self, directory: str | os.PathLike[str], *, compact_min_bytes: int = 2 << 20,
                 compact_ratio: float = 0.5, clock: Callable[[], float] = time.time,
                 readonly: bool = False) -> None:
        """``readonly``: report what is on disk (damage included) and never write a byte: no
        recovery, no compaction, no recovery.log (read-only commands such as ``leads list``)."""
        super().__init__()
        self._clock = clock  # epoch seconds: stamps in headers, damaged-file names, recovery.log
        self.readonly = readonly
        self.damage: list[str] = []      # data lost or at risk found at open: callers must say so loudly
        self.lost_ids: list[str] = []
        self.preserved: list[Path] = []  # where the damaged files were kept (names with .damaged-<time>)
        self.dir = Path(directory)
        self.snapshot_path = self.dir / SNAPSHOT
        self.journal_path = self.dir / JOURNAL
        self.compact_min_bytes = compact_min_bytes
        self.compact_ratio = compact_ratio
        self.events: list[str] = []  # recovery events, newest last: the UI may show them
        self.on_change: ChangeHook | None = None
        self._data: Tables = {}
        self._generation = 0
        self._snapshot_bytes = 0
        self._fd: int | None = None
        self._ino: int | None = None
        self._end = 0
        self._dirty_end = False
        self._needs_reload = False
        self._write_error: StoreError | None = None
        self._tlock = threading.RLock()
        self._depth = 0
        self._lock_fd: int | None = None
        self._closed = False
        self._wrote = False
        if readonly and not self.dir.is_dir():
            self._closed = False
            self._load_readonly_empty()
            return
        try:
            missing = [p for p in [self.dir, *self.dir.parents] if not p.exists()]
            self.dir.mkdir(parents=True, exist_ok=True)
            for created in reversed(missing):  # a new directory's name must survive a power cut too
                fsync_dir(created.parent)
        except OSError as exc:
            raise store_error("create the lead store directory", self.dir, exc) from exc
        if not self.dir.is_dir():
            raise StoreError(f"lead store path {self.dir} is not a directory")
        self._open_lock()
        try:
            with self.transaction(refresh=False):
                self._load()
        except BaseException:
            self.close()
            raise

    def _load_readonly_empty(self) -> None:
        """No store yet: nothing to read (a path that could never hold one is an error)."""
        for ancestor in [self.dir, *self.dir.parents]:
            if ancestor.exists():
                if not ancestor.is_dir():
                    raise StoreError(f"cannot create the lead store directory {self.dir}: "
                                     f"{ancestor} is not a directory")
                break
        self._data = {}
        self._lock_fd = None
        self._write_error = StoreError(f"lead store {self.dir} opened read-only")

    # --- TinyDB Storage interface ----------------------------------------------------------
    def read(self) -> Tables:
        """The live state. Callers must not mutate it: changes go through :meth:`commit`."""
        with self.transaction():
            return self._data

    def write(self, data: Tables) -> None:
        """Whole-state write (TinyDB's generic path, e.g. ``drop_tables``): a compaction."""
        with self.transaction():
            self._require_writable()
            self._compact(loads(dumps(data)))
            if self.on_change:
                self.on_change(None)

    def close(self) -> None:
        """Close; a process that wrote folds a sizeable journal into a snapshot first, so the next
        start (the kiosk after a reboot) opens fast. Failing to do so is harmless: it is logged."""
        with self._tlock:
            if self._closed:
                return
            if self._wrote and self._write_error is None and self._end > max(64 << 10, self._snapshot_bytes * 0.1):
                try:
                    self.compact()
                except StoreError as exc:
                    self._event(f"compaction at close postponed: {exc}")
            self._closed = True
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None

    # --- the incremental path ----------------------------------------------------------------
    def commit(self, ops: list[Op]) -> None:
        """Append one change set and return once it is on stable storage; only then is it
        applied to the in-memory state, so a failed save leaves memory equal to disk."""
        if not ops:
            return
        line = encode_line({"ops": ops})
        with self.transaction():
            self._require_writable()
            assert self._fd is not None
            try:
                if self._dirty_end:
                    os.ftruncate(self._fd, self._end)
                    self._dirty_end = False
                write_all(self._fd, line)
                os.fdatasync(self._fd)
            except OSError as exc:
                self._rollback_tail()
                raise store_error("save to", self.journal_path, exc) from exc
            self._end += len(line)
            self._wrote = True
            apply_ops(self._data, ops)
            if self._end > max(self.compact_min_bytes, self._snapshot_bytes * self.compact_ratio):
                try:
                    self._compact(self._data)
                except StoreError as exc:  # the change itself is durable; compaction retries later
                    self._event(f"compaction postponed: {exc}")

    def compact(self) -> None:
        """Fold the journal into a new snapshot generation now (e.g. at a quiet moment)."""
        with self.transaction():
            self._require_writable()
            self._compact(self._data)

    @property
    def generation(self) -> int:
        return self._generation

    @property
    def writable_error(self) -> StoreError | None:
        """Why saving is impossible right now (None when it is possible)."""
        return self._write_error

    # --- locking and catching up -----------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self, refresh: bool = True) -> Iterator[None]:
        """Hold the thread lock and the directory's flock; catch up with other writers first."""
        with self._tlock:
            if self._closed:
                raise StoreError("the lead store is closed")
            if self._depth == 0 and self._lock_fd is not None:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            self._depth += 1
            try:
                if refresh and self._depth == 1:
                    self._refresh()
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._lock_fd is not None:
                    fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _open_lock(self) -> None:
        path = self.dir / ".lock"
        for flags in ((os.O_RDONLY,) if self.readonly else (os.O_RDWR | os.O_CREAT, os.O_RDONLY)):
            try:
                self._lock_fd = os.open(path, flags, 0o640)
                return
            except OSError:
                continue
        self._lock_fd = None  # read-only and never created: nobody can be writing

    def _refresh(self) -> None:
        if self.readonly:
            return
        if self._write_error is not None:
            return  # nobody can be writing either; the next save retries the recovery
        if self._needs_reload:
            self._load()
            return
        try:
            st = os.stat(self.journal_path)
        except FileNotFoundError:
            if self._ino is not None:
                self._load()
            return
        except OSError:
            return  # reading what we have is still right; a write will report the error
        if st.st_ino != self._ino or st.st_size < self._end:
            self._load()
            return
        if st.st_size == self._end:
            return
        try:
            with open(self.journal_path, "rb") as fh:
                fh.seek(self._end)
                tail = fh.read(st.st_size - self._end)
            if not tail.endswith(b"\n"):
                raise ValueError("torn line from another writer")
            changed: set[tuple[str, str]] = set()
            for line in tail.split(b"\n")[:-1]:
                apply_ops(self._data, decode_line(line)["ops"], changed)
        except (OSError, ValueError, KeyError, TypeError):
            self._load()
            return
        self._end = st.st_size
        if self.on_change:
            self.on_change(changed)

    # --- open / recover --------------------------------------------------------------------
    def _load(self) -> None:
        """Rebuild the state from disk, recovering from damage (see the module docstring)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self._needs_reload = False
        self._dirty_end = False
        damaged: list[Path] = []
        snap = read_snapshot(self.snapshot_path)
        prev_snap = self.snapshot_path.with_name(SNAPSHOT + ".prev")
        prev_journal = self.journal_path.with_name(JOURNAL + ".prev")
        journals = [self.journal_path]
        if isinstance(snap, tuple):
            generation, tables = snap
        else:
            if isinstance(snap, str):
                self._event(f"snapshot {self.snapshot_path} is damaged ({snap}); rebuilding from the previous generation")
                damaged.append(self.snapshot_path)
            prev = read_snapshot(prev_snap)
            if isinstance(prev, tuple):
                generation, tables = prev
                journals = [prev_journal, self.journal_path]
            else:
                if isinstance(prev, str):
                    self._event(f"previous snapshot {prev_snap} is damaged too ({prev})")
                    damaged.append(prev_snap)
                if snap is not None or prev is not None:
                    self._event("no intact snapshot: rebuilding from the journals alone; leads older than them are missing")
                    journals = [prev_journal, self.journal_path]
                generation, tables = 0, {}
        journal_size = 0
        current_journal_gen: int | None = None
        self.damage, self.lost_ids = [], []
        nxt = self.journal_path.with_name(JOURNAL + ".next")
        if not self.journal_path.exists() and nxt.exists():
            # a compaction stopped between retiring the old journal and naming the new one
            journals = [nxt if p == self.journal_path else p for p in journals]
            if not self.readonly:
                try:
                    os.replace(nxt, self.journal_path)
                    journals = [self.journal_path if p == nxt else p for p in journals]
                except OSError:
                    pass
        written = self._snapshot_time(snap, prev_snap)
        for path in journals:
            j = read_journal(path)
            if path == self.journal_path and (j is None or j.size == 0 or j.generation is None) and (
                    isinstance(snap, tuple) or written):
                what = ("missing" if j is None else "empty" if j.size == 0
                        else "replaced or overwritten (no header line)")
                self._damage(f"journal {path.name} is {what}: every save since the snapshot of {written or 'unknown time'}"
                             f" is lost (how many cannot be known)" + self._until(path))
                if j is not None:
                    damaged.append(path)
                if j is None:
                    continue
            if j is None:
                continue
            if j.damage:
                self.lost_ids.extend(i for i in j.lost_ids if i not in self.lost_ids)
                lost = (f"; lost lead(s) {', '.join(j.lost_ids)}" if j.lost_ids else
                        f"; {j.lost_lines} change set(s) lost, lead ids unreadable" if j.lost_lines else "")
                self._damage(f"journal {path} is damaged: {'; '.join(j.damage[:5])}"
                             + (f" (+{len(j.damage) - 5} more)" if len(j.damage) > 5 else "")
                             + "; every intact entry was kept" + lost)
                damaged.append(path)
            jgen = generation if j.generation is None else j.generation
            if jgen < generation:
                continue  # already folded into the snapshot (crash between the two renames)
            if jgen > generation:
                self._event(f"journal {path} follows generation {jgen} but the state is at {generation}; applying it anyway")
            for ops in j.changes:
                try:
                    apply_ops(tables, ops)
                except (ValueError, IndexError, TypeError, AttributeError) as exc:
                    self._event(f"journal {path}: skipped a malformed change ({exc})")
                    if path not in damaged:
                        damaged.append(path)
            generation = jgen + 1 if path != self.journal_path else jgen
            if path == self.journal_path:
                journal_size = j.size
                current_journal_gen = j.generation
        self._data = tables
        self._generation = generation
        self._snapshot_bytes = max(self.snapshot_path.stat().st_size if isinstance(snap, tuple) else 0, 0)
        need_compact = (damaged or not isinstance(snap, tuple)
                        or current_journal_gen != generation
                        or journal_size > max(self.compact_min_bytes, self._snapshot_bytes * self.compact_ratio))
        if isinstance(snap, str):
            self.damage.insert(0, f"snapshot {self.snapshot_path.name} is damaged ({snap})")
        self._write_error = None
        if self.readonly:
            self._write_error = StoreError(f"lead store {self.dir} opened read-only")
            if self.on_change:
                self.on_change(None)
            return
        try:
            if need_compact:
                self._compact(tables, damaged)
            else:
                self._open_journal()
        except StoreError as exc:
            # Reading works, writing does not (read-only, disk full): keep serving reads and
            # retry the whole recovery before the next write.
            self._write_error = exc
            self._needs_reload = True
            self._event(f"lead store is read-only for now: {exc}")
        if self.on_change:
            self.on_change(None)

    def _open_journal(self) -> None:
        try:
            fd = os.open(self.journal_path, os.O_WRONLY | os.O_APPEND)
        except OSError as exc:
            raise store_error("open for writing", self.journal_path, exc) from exc
        st = os.fstat(fd)
        self._fd, self._ino, self._end = fd, st.st_ino, st.st_size

    def _require_writable(self) -> None:
        if self.readonly:
            raise StoreError(f"lead store {self.dir} is open read-only")
        if self._needs_reload or self._fd is None:
            self._load()
        if self._write_error is not None:
            raise self._write_error

    def _rollback_tail(self) -> None:
        """Undo a partially written, unacknowledged line so the next one starts clean."""
        try:
            assert self._fd is not None
            os.ftruncate(self._fd, self._end)
        except OSError:
            self._dirty_end = True
            self._needs_reload = True

    # --- compaction --------------------------------------------------------------------------
    def _compact(self, tables: Tables, damaged: list[Path] | None = None) -> None:
        """Write ``tables`` as generation N+1 and start an empty journal for it.

        Order matters for crash safety: the new snapshot is durable before the journal it
        replaces is retired, and a journal older than the snapshot is ignored on open. Damaged
        files first get a second, timestamped name (a hard link: not one byte rewritten), so
        replacing their usual name never destroys them.
        """
        new_gen = self._generation + 1
        body = dumps(tables)
        header = dumps({"format": FORMAT, "format_version": FORMAT_VERSION, "generation": new_gen,
                        "length": len(body), "crc32": zlib.crc32(body), "written_at": self._clock()})
        snap, prev_snap = self.snapshot_path, self.snapshot_path.with_name(SNAPSHOT + ".prev")
        journal, prev_journal = self.journal_path, self.journal_path.with_name(JOURNAL + ".prev")
        damaged = list(damaged or ())
        stamp = _stamp(self._clock())
        try:
            for path in damaged:
                if path.exists():
                    aside = path.with_name(f"{path.name}.damaged-{stamp}")
                    if path.is_dir():
                        os.rename(path, aside)
                    else:
                        preserve_copy(path, aside)
                    self.preserved.append(aside)
                    self._event(f"kept damaged {path.name} as {aside.name}")
            snap_good = snap.exists() and snap not in damaged
            if snap_good:  # the current generation becomes the previous one
                preserve_copy(snap, prev_snap.with_name(prev_snap.name + ".tmp"))
                os.replace(prev_snap.with_name(prev_snap.name + ".tmp"), prev_snap)
            atomic_write(snap, header + b"\n" + body)
            if not snap_good or prev_snap in damaged or not prev_snap.exists():
                preserve_copy(snap, prev_snap.with_name(prev_snap.name + ".tmp"))
                os.replace(prev_snap.with_name(prev_snap.name + ".tmp"), prev_snap)
            # the new journal exists under a temporary name before the old one is retired, so a
            # journal found missing at open is damage, not a compaction that stopped halfway
            nxt = journal.with_name(JOURNAL + ".next")
            atomic_write(nxt, encode_line({"generation": new_gen, "created_at": self._clock()}))
            if journal.exists():
                os.replace(journal, prev_journal)
            os.replace(nxt, journal)
            fsync_dir(journal.parent)
        except OSError as exc:
            # Part of the rotation may have happened (the journal we hold open may be retired):
            # never append to it again; rebuild from whatever is on disk before the next write.
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            self._needs_reload = True
            raise store_error("compact the lead store in", self.dir, exc) from exc
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self._generation = new_gen
        self._snapshot_bytes = len(body)
        self._data = tables
        self._open_journal()
        self._dirty_end = False

    def _snapshot_time(self, snap: Any, prev_snap: Path) -> str | None:
        """When the snapshot the journal continues was written (the start of what a lost journal held)."""
        for path in (self.snapshot_path, prev_snap):
            try:
                with open(path, "rb") as fh:
                    header = json.loads(fh.readline())
                return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(header["written_at"])))
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return None

    @staticmethod
    def _until(path: Path) -> str:
        try:
            return " (up to " + time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(path.stat().st_mtime)) + ")"
        except OSError:
            return ""

    def _damage(self, message: str) -> None:
        self.damage.append(message)
        self._event(message)

    def _event(self, message: str) -> None:
        self.events.append(message)
        log.warning("lead store %s: %s", self.dir, message)
        if self.readonly:
            return  # read-only commands never write, not even the log
        try:
            with open_private(self.dir / "recovery.log", append=True) as fh:  # it names leads: 0640
                fh.write(f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(self._clock()))} {message}\n"
                         .encode("utf-8"))
        except OSError:
            pass


class MemoryJournalStorage(Storage):
    """The in-memory twin of :class:`JournalStorage`: same incremental interface, no disk, so
    other areas' tests exercise the same LeadStore code paths quickly."""

    def __init__(self) -> None:
        super().__init__()
        self._data: Tables = {}
        self.events: list[str] = []
        self.damage: list[str] = []
        self.lost_ids: list[str] = []
        self.preserved: list[Path] = []
        self.dir: Path | None = None      # nothing on disk
        self.readonly = False
        self.on_change: ChangeHook | None = None
        self._tlock = threading.RLock()

    def read(self) -> Tables:
        return self._data

    def write(self, data: Tables) -> None:
        self._data = loads(dumps(data))

    def commit(self, ops: list[Op]) -> None:
        loads(dumps(ops))  # same JSON-only rule as the durable store
        with self._tlock:
            apply_ops(self._data, ops)

    def compact(self) -> None:
        pass

    def _event(self, message: str) -> None:
        self.events.append(message)

    @property
    def writable_error(self) -> StoreError | None:
        return None

    @contextlib.contextmanager
    def transaction(self, refresh: bool = True) -> Iterator[None]:
        with self._tlock:
            yield
