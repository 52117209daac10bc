"""Several writers on one data directory (the kiosk app plus ``leadkiosk capture`` or ``sync``)
and several threads on one store (UI and sync worker): nothing acknowledged goes missing."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from kiosk.store import open_store

from .conftest import make_lead

PER_WRITER = 120
WRITER = """
import os, sys, time
from kiosk.store import LeadStore, new_lead
from kiosk.store.journal import JournalStorage
from kiosk.store.table import LeadDB
data, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = LeadStore(LeadDB(data + "/leads", storage=JournalStorage, compact_min_bytes=16 << 10, compact_ratio=0.1))
score = {"score": 55, "computed_tag": "warm", "override": None, "tag": "warm", "discarded": False,
         "discard_reason": None, "reasons": [], "form_id": "bant", "form_version": "2026.1"}
t0 = time.monotonic()
while not os.path.exists(data + "/go") and time.monotonic() - t0 < 60:  # start together
    time.sleep(0.005)
for i in range(n):
    rec = store.save(new_lead(show_id="demo", kiosk_id=tag, staff="Ana", score=score, answers={"consent": True},
                              contact={"first_name": f"{tag}{i}", "email": f"{tag}{i}@example.com"}))
    if i % 5 == 0:
        store.mark_sync(rec["id"], "central", 1, "sent")
    print(rec["id"], flush=True)
store.close()
"""


def test_three_processes_writing_and_compacting_the_same_directory(tmp_path: Path) -> None:
    data = tmp_path / "data"
    open_store(data).close()
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(data), tag, str(PER_WRITER)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for tag in "ABC"]
    time.sleep(1.0)  # let them import and open; then all three write at once
    (data / "go").touch()
    acked: list[str] = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        acked += out.split()
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
