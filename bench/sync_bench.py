"""Sync benchmark: how fast the outbox drains a queue into the central system on loopback, and how
long a hot lead takes from the moment it is saved to the moment central has stored it.

    .venv/bin/python bench/sync_bench.py [--leads 10000] [--central auto|real|stub] [--samples 40]

Baselines, measured in the same run against the same server:
- throughput: raw signed POSTs of the same batches (pre-serialised, no store reads, no marks);
- latency: a raw signed POST of one lead (network + ingest floor);
- wake-up: the same worker without ``trigger()`` after save, polling the store once a second,
  which is the best a separate sync service sharing the store could do without IPC.
Targets (issue 6): >= 1,000 leads/s; hot lead stored centrally within 2 s at p95.
The machine may be shared (noisy): compare the ratios, not the absolute numbers.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.support.records import make_lead  # noqa: E402

SHOW = "benchshow"


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(p / 100 * (len(values) - 1)))))
    return values[k]


def _leads(n: int, seed: int, show: str) -> list[dict]:
    rng = random.Random(seed)
    return [make_lead(i, tag=rng.choices(["hot", "warm", "nurture"], [2, 5, 3])[0], show_id=show,
                      lead_id=str(uuid.uuid4())) for i in range(n)]


def start_central(kind: str, tmp: Path):
    """(url, enroll_code, describe, stop)"""
    if kind in ("auto", "real"):
        try:
            import central.api  # noqa: F401
            from sync.testing.central_process import RealCentral
            rc = RealCentral(tmp / "central.db")
            code = rc.cli("enroll-code", "--show", SHOW, "--name", "Bench Show").strip().split()[-1]
            rc.start()
            return rc.url, code, "real central (leadkiosk central serve, SQLite, separate process)", rc.stop
        except ImportError:
            if kind == "real":
                raise
    from sync.testing.central_stub import start_central_stub
    server, state = start_central_stub()
    state.show_id = SHOW
    code = state.add_code(show_id=SHOW)
    return server.url, code, "protocol stub (sync.testing.central_stub, in-process)", server.stop


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--leads", type=int, default=10_000)
    ap.add_argument("--central", choices=["auto", "real", "stub"], default="auto")
    ap.add_argument("--samples", type=int, default=40)
    ap.add_argument("--batch", type=int, default=1000, help="central batch size (the worker's default)")
    args = ap.parse_args(argv)

    from kiosk.cli import main as cli
    from kiosk.store import open_store
    from sync.enrollment import load_credentials
    from kiosk.sync_wiring import build_worker
    from sync.record.record import wire_record
    from sync.transports.central import CentralTransport, clock_sample

    tmp = Path(tempfile.mkdtemp(prefix="sync-bench-"))
    url, code, describe, stop = start_central(args.central, tmp)
    try:
        data = tmp / "kiosk"
        import contextlib
        import io
        with contextlib.redirect_stdout(io.StringIO()):
            assert cli(["enroll", url, code, "--data", str(data), "--name", "bench-1"]) == 0
        creds = load_credentials(data)
        assert creds is not None

        # -- baseline: raw signed POSTs of the same batches -----------------------------------
        raw = CentralTransport(creds, max_batch=args.batch)
        base_leads = _leads(args.leads, 1, SHOW)
        bodies = [{"leads": [wire_record(l) for l in base_leads[i:i + args.batch]], "clock": clock_sample()}
                  for i in range(0, len(base_leads), args.batch)]
        t0 = time.perf_counter()
        for body in bodies:
            resp = raw.post("/api/v1/leads:batch", body)
            assert all(r["status"] == "stored" for r in resp.json()["results"]), resp.text()
        raw_s = time.perf_counter() - t0
        raw_rate = args.leads / raw_s

        # -- the outbox: 10,000 leads queued in the durable store, drained by the worker ------
        store = open_store(data)
        t_save = time.perf_counter()
        for lead in _leads(args.leads, 2, SHOW):
            store.save(lead)
        save_s = time.perf_counter() - t_save
        worker = build_worker(data, store, heartbeat_interval_s=3600, config_interval_s=3600)
        assert worker is not None
        worker.lanes["central"].transport.max_batch = args.batch
        t0 = time.perf_counter()
        status = worker.run_once(max_wait_s=60)
        outbox_s = time.perf_counter() - t0
        st = status["destinations"]["central"]
        assert st["pending"] == 0 and st["parked"] == 0, st
        outbox_rate = args.leads / outbox_s
        worker.stop()

        # -- latency: save a hot lead, trigger, until central confirmed it stored it ------------
        def latency_run(trigger: bool, samples: int, idle_poll_s: float) -> list[float]:
            w = build_worker(data, store, idle_poll_s=idle_poll_s, heartbeat_interval_s=3600,
                             config_interval_s=3600)
            assert w is not None
            done: dict[str, float] = {}
            real_apply = w._apply

            def apply(lane, results):  # noqa: ANN001 - the moment central's confirmation is in
                now = time.perf_counter()
                for r in results:
                    if r.outcome == "sent":
                        done.setdefault(r.lead_id, now)
                return real_apply(lane, results)

            w._apply = apply  # type: ignore[method-assign]
            w.start()
            rng = random.Random(7)
            out = []
            try:
                for k in range(samples):
                    time.sleep(rng.uniform(0.05, 0.25))
                    lead = make_lead(100_000 + k, tag="hot", show_id=SHOW, lead_id=str(uuid.uuid4()))
                    t0 = time.perf_counter()
                    store.save(lead)
                    if trigger:
                        w.trigger()
                    deadline = t0 + 10
                    while lead["id"] not in done and time.perf_counter() < deadline:
                        time.sleep(0.001)
                    out.append((done.get(lead["id"], float("inf")) - t0) * 1000)
            finally:
                w.stop()
            return out

        lat = latency_run(True, args.samples, 30.0)
        nowake = latency_run(False, max(10, args.samples // 4), 1.0)

        single = []
        for k in range(args.samples):
            lead = make_lead(200_000 + k, tag="hot", show_id=SHOW, lead_id=str(uuid.uuid4()))
            t0 = time.perf_counter()
            raw.post("/api/v1/leads:batch", {"leads": [wire_record(lead)], "clock": clock_sample()})
            single.append((time.perf_counter() - t0) * 1000)
        raw.close()
        store.close()
    finally:
        stop()

    rows = [
        (f"throughput, {args.leads:,} queued leads (leads/s)", f"{outbox_rate:,.0f}", "raw POST of the same batches", f"{raw_rate:,.0f}", outbox_rate / raw_rate, ">= 1,000"),
        ("hot lead saved -> stored, p50 (ms)", f"{_pct(lat, 50):.0f}", "raw POST of one lead, p50", f"{_pct(single, 50):.0f}", _pct(lat, 50) / _pct(single, 50), ""),
        ("hot lead saved -> stored, p95 (ms)", f"{_pct(lat, 95):.0f}", "raw POST of one lead, p95", f"{_pct(single, 95):.0f}", _pct(lat, 95) / _pct(single, 95), "<= 2,000"),
        ("no wake-up (separate service polling 1 s), p50 (ms)", f"{_pct(nowake, 50):.0f}", "thread woken by trigger(), p50", f"{_pct(lat, 50):.0f}", _pct(nowake, 50) / _pct(lat, 50), ""),
        ("no wake-up (separate service polling 1 s), p95 (ms)", f"{_pct(nowake, 95):.0f}", "thread woken by trigger(), p95", f"{_pct(lat, 95):.0f}", _pct(nowake, 95) / _pct(lat, 95), ""),
    ]
    print(f"sync benchmark: {args.leads:,} leads, batches of {args.batch}, central = {describe}")
    print(f"(saving {args.leads:,} leads into the durable store took {save_s:.1f}s, not counted; "
          f"latency samples: {len(lat)} triggered, {len(nowake)} polling)")
    header = ("measure", "value", "baseline", "baseline value", "ratio", "target")
    widths = [max(len(str(r[i])) if i != 4 else 6 for r in rows + [header]) for i in range(6)]
    fmt = lambda r: "  ".join((f"{r[i]:.2f}" if i == 4 and not isinstance(r[i], str) else str(r[i])).ljust(widths[i])  # noqa: E731
                              for i in range(6))
    print(fmt(header))
    for r in rows:
        print(fmt(r))
    ok = outbox_rate >= 1000 and _pct(lat, 95) <= 2000
    print("targets met" if ok else "TARGETS NOT MET")
    fin = lambda v: round(v) if v != float("inf") else None  # noqa: E731 - a sample that never arrived
    print(json.dumps({"outbox_leads_per_s": round(outbox_rate), "raw_leads_per_s": round(raw_rate),
                      "latency_ms_p50": fin(_pct(lat, 50)), "latency_ms_p95": fin(_pct(lat, 95)),
                      "nowake_ms_p50": fin(_pct(nowake, 50)), "nowake_ms_p95": fin(_pct(nowake, 95))}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
