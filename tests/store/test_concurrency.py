"""Several writers on one data directory (the kiosk app plus ``leadkiosk capture`` or ``sync``)
and several threads on one store (UI and sync worker): nothing acknowledged goes missing."""
from __future__ import annotations

import os
import threading
from pathlib import Path

from kiosk.store import LeadStore, open_store
from kiosk.store.journal import JournalStorage
from kiosk.store.table import LeadDB

from .conftest import make_lead

PER_WRITER = 120


def _writer(data: Path, tag: str, w: int) -> None:
    store = LeadStore(LeadDB(str(data / "leads"), storage=JournalStorage, compact_min_bytes=16 << 10,
                             compact_ratio=0.1))
    for i in range(PER_WRITER):
        rec = store.save(make_lead(first=f"{tag}{i}", email=f"{tag}{i}@example.com"))
        if i % 5 == 0:
            store.mark_sync(rec["id"], "central", 1, "sent")
        os.write(w, (rec["id"] + "\n").encode())
    store.close()


def test_two_processes_writing_and_compacting_the_same_directory(tmp_path: Path) -> None:
    data = tmp_path / "data"
    open_store(data).close()
    pipes, pids = [], []
    for tag in ("A", "B", "C"):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                _writer(data, tag, w)
            finally:
                os._exit(0)
        os.close(w)
        pipes.append(r)
        pids.append(pid)
    acked: list[str] = []
    for r in pipes:
        buf = b""
        while chunk := os.read(r, 65536):
            buf += chunk
        os.close(r)
        acked += buf.decode().split()
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert len(acked) == 3 * PER_WRITER
    store = open_store(data)
    try:
        assert store.count() == 3 * PER_WRITER
        assert all(store.get(i) for i in acked)
        assert store.sync_status()["central"]["sent"] == 3 * len(range(0, PER_WRITER, 5))
        assert store.find_duplicate(email="B7@example.com")["contact"]["first_name"] == "B7"
    finally:
        store.close()


def test_threads_sharing_one_store(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    errors: list[BaseException] = []
    ids: list[str] = []
    lock = threading.Lock()

    def capture(tag: str) -> None:
        try:
            for i in range(60):
                rec = store.save(make_lead(first=f"{tag}{i}"))
                with lock:
                    ids.append(rec["id"])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def sync() -> None:
        try:
            for _ in range(40):
                for lead in store.pending("central", limit=10):
                    store.mark_sync(lead["id"], "central", lead["version"], "sent")
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=capture, args=(t,)) for t in "XY"] + [threading.Thread(target=sync)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(ids) == 120 and store.count() == 120
    store.close()
    again = open_store(tmp_path)
    try:
        assert all(again.get(i) for i in ids)
    finally:
        again.close()
