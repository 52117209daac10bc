"""Alert benchmark: a hot lead saved on a kiosk until its e-mail is accepted by a real SMTP server on
loopback, through the real kiosk store and sync worker and the real central system (``leadkiosk
central serve`` in its own processes, routing by reps' dials and the routing config, the visitor
thread check, the notification worker), while simulated kiosks sync other leads; on SQLite and on
PostgreSQL.

Baseline, measured in the same run under the same load: the bare ingest request latency (one
signed POST /api/v1/leads:batch of one warm lead, request to answer). The ratio says what the whole
path (kiosk store fsync, sync wake-up, signing, ingest, routing, the queue, SMTP) costs on top of
one ingest round trip. The machine is shared: absolute figures are noisy; compare the ratios.

    .venv/bin/python bench/alert_bench.py                          # full size: 200 hot leads, 20 kiosks, 10,000 other leads
    .venv/bin/python bench/alert_bench.py --hot 20 --kiosks 2 --other 500   # reduced size (a quick check)

Target (issue 15): p95 < 2 s from save to e-mail accepted, under that load.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.ingest_bench import Server, Sink, _pg_module, enroll_kiosks, make_lead, pct  # noqa: E402

SHOW = "alertbench"


class Load:
    """``kiosks`` simulated kiosks sending batches of warm and nurture leads until ``total`` leads
    were sent and the probes are done (so every probe sample runs under load)."""

    def __init__(self, kiosks: list, total: int, batch: int = 100):
        self.kiosks, self.total, self.batch = kiosks, total, batch
        self.sent = 0
        self.stop_flag = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(i, k), daemon=True) for i, k in enumerate(kiosks)]
        self.errors: list[str] = []

    def start(self) -> None:
        self.t0 = time.perf_counter()
        for t in self.threads:
            t.start()

    def run(self, idx: int, kiosk) -> None:  # type: ignore[no-untyped-def]
        n = 0
        while True:
            with self.lock:
                if self.sent >= self.total and self.stop_flag.is_set():
                    return
                self.sent += self.batch
            leads = [make_lead(SHOW, "warm" if j % 3 else "nurture", f"load-{idx}", n * self.batch + j)
                     for j in range(self.batch)]
            n += 1
            try:
                kiosk.post(json.dumps({"leads": leads}).encode())
            except Exception as exc:  # noqa: BLE001 - reported, the bench goes on
                self.errors.append(str(exc)[:200])

    def stop(self) -> float:
        self.stop_flag.set()
        for t in self.threads:
            t.join(300)
        return time.perf_counter() - self.t0


def bare_requests(kiosk, n: int, interval: float, out: list[float], done: threading.Event) -> None:  # type: ignore[no-untyped-def]
    """The baseline: one warm lead per signed request, request to answer."""
    i = 0
    while not done.is_set() or i < n:
        lead = make_lead(SHOW, "warm", "bare", 500_000 + i)
        body = json.dumps({"leads": [lead]}).encode()
        t0 = time.perf_counter()
        kiosk.post(body)
        out.append(time.perf_counter() - t0)
        i += 1
        time.sleep(interval)


def run_db(label: str, url: str, workers: int, args: argparse.Namespace, config: Path, sink: Sink,
           free_port, tmp: Path) -> dict:  # type: ignore[no-untyped-def]
    from central.db import Database
    from central.devices import new_enrollment_code
    from central.migrate import upgrade
    from kiosk.cli import main as cli
    from kiosk.store import open_store
    from kiosk.sync_wiring import build_worker
    from tests.support.records import make_lead as kiosk_lead

    upgrade(url)
    server = Server(url, free_port(), workers, config, args.notify_worker)
    try:
        http_kiosks = enroll_kiosks(url, server.base, args.kiosks + 1, SHOW)
        bare_kiosk, load_kiosks = http_kiosks[0], http_kiosks[1:]
        # the real kiosk: enrolled through the CLI, its durable store, its sync worker
        db = Database(url)
        code = new_enrollment_code(db, SHOW)
        db.dispose()
        data = tmp / f"kiosk-{label.split()[0].lower()}"
        with contextlib.redirect_stdout(io.StringIO()):
            assert cli(["enroll", server.base, code, "--data", str(data), "--name", "booth-hot"]) == 0
        store = open_store(data)
        worker = build_worker(data, store, heartbeat_interval_s=3600, config_interval_s=3600)
        assert worker is not None, "the kiosk has no central destination"
        worker.start()
        # warm-up (connections, caches, first e-mail), not timed
        warm = kiosk_lead(0, tag="hot", show_id=SHOW, lead_id=str(uuid.uuid4()), email="warmup@example.com")
        store.save(warm)
        worker.trigger()
        deadline = time.monotonic() + 30
        while warm["id"] not in sink.accepted and time.monotonic() < deadline:
            time.sleep(0.01)

        load = Load(load_kiosks, args.other)
        bare: list[float] = []
        probes_done = threading.Event()
        bare_t = threading.Thread(target=bare_requests, args=(bare_kiosk, args.hot, 0.1, bare, probes_done))
        load.start()
        bare_t.start()
        time.sleep(0.5)                      # the load is flowing
        lat: list[float] = []
        missing = 0
        for k in range(args.hot):
            lead = kiosk_lead(900_000 + k, tag="hot", show_id=SHOW, lead_id=str(uuid.uuid4()),
                              email=f"hot{k}.{uuid.uuid4().hex[:6]}@example.com")
            t0 = time.time()
            store.save(lead)
            worker.trigger()
            deadline = time.monotonic() + 30
            while lead["id"] not in sink.accepted and time.monotonic() < deadline:
                time.sleep(0.002)
            if lead["id"] in sink.accepted:
                lat.append(sink.accepted[lead["id"]] - t0)
            else:
                missing += 1
            time.sleep(args.interval)
        probes_done.set()
        bare_t.join(120)
        load_s = load.stop()
        worker.stop()
        store.close()
        if load.errors:
            print(f"WARNING {label}: {len(load.errors)} load batch(es) failed, e.g. {load.errors[0]}", file=sys.stderr)
    finally:
        server.stop()
    return {"label": label, "workers": workers, "lat": lat, "missing": missing, "bare": bare,
            "other": load.sent, "load_s": load_s}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hot", type=int, default=200, help="hot leads saved on the kiosk, one after another")
    ap.add_argument("--kiosks", type=int, default=20, help="simulated kiosks syncing other leads")
    ap.add_argument("--other", type=int, default=10_000, help="other leads they sync (at least; they go on "
                                                               "until every hot lead was measured)")
    ap.add_argument("--interval", type=float, default=0.05, help="pause between hot leads (s)")
    ap.add_argument("--sqlite-workers", type=int, default=1)
    ap.add_argument("--pg-workers", type=int, default=2)
    ap.add_argument("--notify-worker", default="auto", choices=("auto", "process", "thread"))
    ap.add_argument("--skip-sqlite", action="store_true")
    ap.add_argument("--skip-pg", action="store_true")
    args = ap.parse_args(argv)
    pg = _pg_module()
    tmp = Path(tempfile.mkdtemp(prefix="leadkiosk-alert-bench-"))
    smtp_port = pg.free_port()
    config = tmp / "central.toml"
    # the routing of a real deployment: a territory rule, a product rule, the default owner
    config.write_text(f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nfrom = "leadkiosk@example.com"\n\n'
                      '[territories]\nDACH = ["DE", "AT", "CH"]\n\n'
                      '[[routing.rules]]\nname = "dach"\nterritories = ["DACH"]\nemail = ["dach@example.com"]\n\n'
                      '[[routing.rules]]\nname = "analytics"\nproduct_interest = ["analytics"]\n'
                      'email = ["analytics@example.com"]\n\n'
                      '[routing.default]\nemail = ["sales@example.com"]\n\n'
                      '[review]\nbase_url = "https://leads.example.com"\n')
    sink = Sink(smtp_port)
    results = []
    server = None
    try:
        if not args.skip_sqlite:
            results.append(run_db("SQLite (WAL)", f"sqlite:///{tmp / 'central.db'}", args.sqlite_workers, args, config,
                                  sink, pg.free_port, tmp))
        if not args.skip_pg:
            try:
                server = pg.PgServer(durable=True).start()
            except pg.PgUnavailable as exc:
                print(f"PostgreSQL skipped: {exc}", file=sys.stderr)
            else:
                results.append(run_db("PostgreSQL 15", server.create_database("alertbench"), args.pg_workers, args,
                                      config, sink, pg.free_port, tmp))
    finally:
        sink.stop()
        if server:
            server.stop()
    full = (args.hot, args.kiosks, args.other) == (200, 20, 10_000)
    print(f"\nHot lead saved on a kiosk -> e-mail accepted by the SMTP server on loopback; {args.hot} hot leads while "
          f"{args.kiosks} simulated kiosks sync other leads; {os.cpu_count()} CPUs (shared)"
          + ("" if full else "  [REDUCED SIZE; full size: --hot 200 --kiosks 20 --other 10000]") + "\n")
    print("| database | server processes | other leads synced (s) | hot samples | p50 ms | p95 ms | max ms | "
          "baseline: bare ingest request, p50 / p95 ms | ratio p50 | ratio p95 | target p95 < 2000 ms |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        ms = [x * 1000 for x in r["lat"]]
        bare = [x * 1000 for x in r["bare"]]
        p50, p95 = (statistics.median(ms), pct(ms, 95)) if ms else (float("nan"), float("nan"))
        b50, b95 = (statistics.median(bare), pct(bare, 95)) if bare else (float("nan"), float("nan"))
        lost = f" ({r['missing']} not delivered in 30 s)" if r["missing"] else ""
        print(f"| {r['label']} | {r['workers']} | {r['other']:,} ({r['load_s']:.1f}) | {len(ms)}{lost} | {p50:.0f} | "
              f"{p95:.0f} | {max(ms) if ms else float('nan'):.0f} | {b50:.0f} / {b95:.0f} | {p50 / b50:.1f} | "
              f"{p95 / b95:.1f} | {'met' if ms and not r['missing'] and p95 < 2000 else 'NOT met'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
