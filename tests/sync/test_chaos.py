"""Chaos: a fault-injecting proxy between kiosk and central. Whatever it does, the destination
ends up holding every lead exactly once at its latest version. Bounded: 1,000 leads, fixed seeds,
60 s at most."""
from __future__ import annotations

import random
import threading
import time

import pytest

from sync.testing.chaos_proxy import ChaosProxy
from tests.support.records import make_lead
from sync.transports.central import CentralTransport
from sync.worker import SyncWorker

from .conftest import fast_backoff

WEIGHTS = {"pass": 0.40, "delay": 0.15, "drop": 0.10, "reset_after_commit": 0.12,
           "http500": 0.08, "http429": 0.08, "http500_after_commit": 0.07}


@pytest.mark.slow
def test_chaos_every_lead_exactly_once_at_latest_version(store, central, creds, capsys) -> None:
    server, state = central
    proxy = ChaosProxy(server.port, WEIGHTS, seed=20261122, max_delay_s=0.2).start()
    creds.url = proxy.url
    transport = CentralTransport(creds, max_batch=10, timeout=(1.0, 3.0))
    rng = random.Random(42)
    tags = ["hot", "warm", "nurture"]
    leads = [store.save(make_lead(i, tag=rng.choice(tags))) for i in range(1000)]
    worker = SyncWorker(store, [transport], backoff=lambda: fast_backoff(5))
    edits = 0
    stop_edits = threading.Event()

    def editor() -> None:  # staff keep editing leads while the sync fights the network
        nonlocal edits
        erng = random.Random(99)
        while not stop_edits.is_set() and edits < 300:
            lead = erng.choice(leads)
            store.edit(lead["id"], {"notes": f"edit {edits}"}, actor="Ana")
            edits += 1
            worker.trigger()
            time.sleep(0.01)

    t0 = time.monotonic()
    worker.start()
    ed = threading.Thread(target=editor)
    ed.start()
    try:
        ed.join(20)
        stop_edits.set()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if not store.pending("central") and len(state.leads) == 1000:
                break
            time.sleep(0.05)
    finally:
        stop_edits.set()
        worker.stop()
        proxy.stop()
    elapsed = time.monotonic() - t0

    latest = {l["id"]: store.get(l["id"])["version"] for l in leads}
    held = {lid: row["version"] for lid, row in state.leads.items()}
    times = state.times_stored()
    stats = proxy.stats
    with capsys.disabled():
        print(f"\nchaos: {stats.requests} requests through the proxy, {stats.injected} faults injected "
              f"{ {k: v for k, v in stats.faults.items() if v} }; {len(held)} leads held, "
              f"{edits} edits, {len(state.store_events)} versions stored, "
              f"{max(times.values())} max stores per version, {state.duplicates} duplicate receipts "
              f"absorbed, {state.stale} stale; {elapsed:.1f}s")
    assert held == latest                       # every lead, at its latest version
    assert max(times.values()) == 1             # no version stored twice
    assert store.pending("central") == []
    assert stats.faults["reset_after_commit"] > 10 and stats.faults["drop"] > 10, stats.faults
    assert stats.faults["http429"] > 5 and stats.faults["http500"] > 5, stats.faults
    assert state.duplicates > 0                 # resets after commit really caused re-deliveries
    assert sum(state.refused.values()) == 0     # no request went out with a bad signature or reused id
