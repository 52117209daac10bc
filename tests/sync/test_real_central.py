"""The outbox against the real central system (``leadkiosk central serve``, SQLite) on loopback:
offline capture then delivery, hot first; and the chaos proxy in front of it."""
from __future__ import annotations

import random
import sqlite3
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("central.api")

from kiosk.cli import main  # noqa: E402
from kiosk.store import open_store  # noqa: E402
from kiosk.sync_wiring import build_worker  # noqa: E402
from sync.testing.chaos_proxy import ChaosProxy  # noqa: E402
from tests.support.records import make_lead  # noqa: E402

from .conftest import fast_backoff  # noqa: E402
from sync.testing.central_process import RealCentral  # noqa: E402

pytestmark = pytest.mark.slow


def _enrolled(tmp_path: Path, show: str) -> tuple[RealCentral, Path]:
    central = RealCentral(tmp_path / "central.db")
    code = central.cli("enroll-code", "--show", show, "--name", "Fair 2026").strip().split()[-1]
    central.start()
    data = tmp_path / "kiosk"
    assert main(["enroll", central.url, code, "--data", str(data), "--name", "booth-1"]) == 0
    return central, data


def _rows(db: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _wait(cond, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def test_offline_leads_reach_real_central_hot_first(tmp_path: Path) -> None:
    central, data = _enrolled(tmp_path, "fair")
    central.stop()  # the show Wi-Fi goes away
    store = open_store(data)
    rng = random.Random(11)
    order = list(range(1000))
    rng.shuffle(order)  # capture times in no particular relation to save order
    leads = [store.save(make_lead(i, tag=rng.choices(["hot", "warm", "nurture"], [2, 5, 3])[0], show_id="fair"))
             for i in order]
    worker = build_worker(data, store, backoff=lambda: fast_backoff(2))
    assert worker is not None and list(worker.lanes) == ["central"]
    worker.lanes["central"].transport.max_batch = 100
    worker.start()
    try:
        assert _wait(lambda: worker.status()["destinations"]["central"]["state"] == "backoff", 10)
        assert worker.status()["destinations"]["central"]["pending"] == 1000
        central.start()
        worker.trigger()
        assert _wait(lambda: not store.pending("central"), 90), worker.status()
    finally:
        worker.stop()
        central.stop()
        store.close()
    db = tmp_path / "central.db"
    rows = _rows(db, "SELECT id, version, tag, received_at FROM leads")
    assert len(rows) == 1000 and {r[0] for r in rows} == {l["id"] for l in leads}
    hot_last = max(r[3] for r in rows if r[2] == "hot")
    other_first = min(r[3] for r in rows if r[2] != "hot")
    assert hot_last <= other_first, "a non-hot lead reached central before the last hot one"
    assert _rows(db, "SELECT lead_id, version FROM lead_versions GROUP BY 1, 2 HAVING COUNT(*) > 1") == []


def test_chaos_proxy_in_front_of_real_central(tmp_path: Path, capsys) -> None:
    central, data = _enrolled(tmp_path, "fair")
    proxy = ChaosProxy(central.port, {"pass": 0.45, "delay": 0.1, "drop": 0.1, "reset_after_commit": 0.12,
                                      "http500": 0.08, "http429": 0.08, "http500_after_commit": 0.07},
                       seed=4242, max_delay_s=0.2).start()
    store = open_store(data)
    rng = random.Random(5)
    leads = [store.save(make_lead(i, tag=rng.choice(["hot", "warm", "nurture"]), show_id="fair")) for i in range(300)]
    worker = build_worker(data, store, backoff=lambda: fast_backoff(9), heartbeat_interval_s=3600)
    t = worker.lanes["central"].transport
    t.base, t.max_batch = proxy.url, 5
    edits = 0

    def editor() -> None:
        nonlocal edits
        erng = random.Random(8)
        while edits < 100:
            store.edit(erng.choice(leads)["id"], {"notes": f"edit {edits}"}, actor="Ana")
            edits += 1
            worker.trigger()
            time.sleep(0.02)

    worker.start()
    ed = threading.Thread(target=editor)
    ed.start()
    try:
        ed.join(30)
        ok = _wait(lambda: not store.pending("central"), 90)
    finally:
        worker.stop()
        proxy.stop()
        central.stop()
    latest = {l["id"]: store.get(l["id"])["version"] for l in leads}
    store.close()
    assert ok, worker.status()
    db = tmp_path / "central.db"
    held = dict(_rows(db, "SELECT id, version FROM leads"))
    dup = _rows(db, "SELECT lead_id, version FROM lead_versions GROUP BY 1, 2 HAVING COUNT(*) > 1")
    s = proxy.stats
    with capsys.disabled():
        print(f"\nchaos vs real central: {s.requests} requests, {s.injected} faults injected "
              f"{ {k: v for k, v in s.faults.items() if v} }; {len(held)} leads held, {edits} edits, "
              f"{len(_rows(db, 'SELECT 1 FROM lead_versions'))} versions stored, duplicates {len(dup)}")
    assert held == latest and dup == []
    assert s.faults["reset_after_commit"] > 3 and s.faults["drop"] > 3 and s.faults["http429"] > 3
