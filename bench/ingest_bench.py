"""Central ingest benchmark: leads/s from 20 concurrent kiosks sending signed batches to the real
server (uvicorn processes on loopback), on SQLite and on PostgreSQL, and the time from a hot lead's
arrival to its e-mail being accepted by an SMTP server on loopback (p50, p95).

Baseline, measured in the same run against the same database: a bare INSERT loop (executemany of
the same lead rows, one transaction per batch, into a scratch copy of the leads table). The ratio
says what authentication, signature checks, replay protection, validation, version bookkeeping
and HTTP cost on top of the raw writes. The machine is shared, so absolute figures are noisy; the
ratio is the figure to compare.

    .venv/bin/python bench/ingest_bench.py [--batches 10] [--batch-size 100] [--pg-workers 2]

Targets: >= 2,000 leads/s on PostgreSQL; < 1 s arrival-to-email at p95.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SMTP_SINK = r"""
import sys, time, email
from aiosmtpd.controller import Controller
class H:
    async def handle_DATA(self, server, session, envelope):
        t = time.time()
        msg = email.message_from_bytes(envelope.content)
        print(f"{msg['X-Leadkiosk-Lead']} {t:.6f}", flush=True)
        return "250 OK"
c = Controller(H(), hostname="127.0.0.1", port=int(sys.argv[1]))
c.start()
print("READY", flush=True)
sys.stdin.read()
c.stop()
"""


def _pg_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("leadkiosk_bench_pg", REPO / "tests" / "central" / "pg.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def make_lead(show_id: str, tag: str, kiosk: str, i: int) -> dict:
    """A lead as kiosk ``kiosk`` sends it, captured now (the record package's ``new_lead``)."""
    from sync.record.record import wire_record
    from tests.support.records import clock_facts, make_score
    from tests.support.records import make_lead as record

    lid = str(uuid.uuid4())
    return wire_record(record(
        i, tag=tag, show_id=show_id, kiosk_id=kiosk, lead_id=lid, captured_at=datetime.now(timezone.utc),
        clock=clock_facts(boot_id="b", monotonic_s=1000.0 + i),
        contact={"first_name": "Visitor", "last_name": f"No{i}", "company": "Example GmbH", "title": "CTO",
                 "email": f"v{i}.{lid[:6]}@example.com", "phone": "+49 30 1234567", "country": "DE",
                 "registration_id": f"R{i}", "format": "vcard", "raw": "BEGIN:VCARD\nVERSION:3.0\nEND:VCARD"},
        answers={"budget": "approved", "authority": "decision_maker", "need": "critical", "timing": "0_3_months",
                 "product_interest": ["crm_sync", "analytics"], "follow_up": "call"},
        score=make_score(tag, points=80 if tag == "hot" else 50,
                         reasons=["budget approved +30", "decision maker +25", "critical need +25"])))


class Server:
    """``leadkiosk central serve`` in its own process(es)."""

    def __init__(self, url: str, port: int, workers: int, config: Path, notify: str = "auto"):
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.log = tempfile.NamedTemporaryFile(prefix="central-serve-", suffix=".log", delete=False)
        self.proc = subprocess.Popen([sys.executable, "-m", "kiosk", "central", "serve", "--db", url, "--port", str(port),
                                      "--workers", str(workers), "--config", str(config),
                                      "--notify-worker", notify],
                                     cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{port}"
        import requests
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited: {Path(self.log.name).read_text()[-2000:]}")
            try:
                if requests.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()   # never leave a half-started server behind the bench
        raise SystemExit(f"server did not become healthy in 60 s: {Path(self.log.name).read_text()[-2000:]}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.unlink(self.log.name)


class Kiosk:
    def __init__(self, base: str, creds: dict):
        import requests
        self.base = base
        self.creds = creds
        self.session = requests.Session()

    def post(self, body: bytes) -> dict:
        from sync.record.signing import sign_headers
        headers = sign_headers(self.creds["signing_secret"], body)
        headers["Authorization"] = f"Bearer {self.creds['token']}"
        headers["Content-Type"] = "application/json"
        r = self.session.post(self.base + "/api/v1/leads:batch", data=body, headers=headers, timeout=60)
        r.raise_for_status()
        return r.json()


def enroll_kiosks(url: str, base: str, n: int, show: str) -> list[Kiosk]:
    import requests

    from central.db import Database
    from central.devices import new_enrollment_code
    db = Database(url)
    kiosks = []
    for i in range(n):
        code = new_enrollment_code(db, show)
        r = requests.post(base + "/api/v1/enroll", json={"code": code, "kiosk_name": f"booth-{i}"}, timeout=30)
        r.raise_for_status()
        kiosks.append(Kiosk(base, r.json()))
    db.dispose()
    return kiosks


def baseline_insert(url: str, batches: list[list[dict]]) -> float:
    """Bare INSERT loop: the same rows, executemany per batch, one transaction each. leads/s."""
    from sqlalchemy import MetaData

    from central.db import Database
    from central.models import Lead
    db = Database(url)
    table = Lead.__table__.to_metadata(MetaData(), name="bench_baseline")
    for idx in list(table.indexes):
        table.indexes.discard(idx)  # index names are global on PostgreSQL; the PK stays
    table.create(db.engine, checkfirst=True)
    now = datetime.now(timezone.utc)
    rows_per_batch = [[{"id": lead["id"], "show_id": lead["show_id"], "device_id": "dev_baseline", "kiosk_id": lead["kiosk_id"],
                        "version": 1, "captured_at": now, "captured_at_corrected": now, "clock_method": "synchronised",
                        "tag": lead["score"]["tag"], "computed_tag": lead["score"]["tag"], "override": None,
                        "score": lead["score"]["score"], "discarded": False, "discard_reason": None, "staff": "Ana",
                        "email": lead["contact"]["email"], "first_name": "Visitor", "last_name": lead["contact"]["last_name"],
                        "company": "Example GmbH", "country": "DE", "follow_up": "call", "product_interest": "crm_sync, analytics",
                        "record_json": lead, "received_at": now, "updated_at": now, "merged_into": None}
                       for lead in batch] for batch in batches]
    t0 = time.perf_counter()
    for rows in rows_per_batch:
        with db.write() as conn:
            conn.execute(table.insert(), rows)
    elapsed = time.perf_counter() - t0
    table.drop(db.engine)
    db.dispose()
    return sum(len(b) for b in batches) / elapsed


def throughput(kiosks: list[Kiosk], show: str, batches: int, batch_size: int,
               hot_sender=None) -> tuple[int, float, dict]:  # type: ignore[no-untyped-def]
    bodies = []
    all_batches = []
    for k_i, k in enumerate(kiosks):
        mine = []
        for b in range(batches):
            leads = [make_lead(show, "warm" if (j % 3) else "nurture", f"booth-{k_i}", b * batch_size + j)
                     for j in range(batch_size)]
            all_batches.append(leads)
            mine.append(json.dumps({"leads": leads}).encode())
        bodies.append(mine)
    counts: dict[str, int] = {}
    lock = threading.Lock()
    start = threading.Barrier(len(kiosks) + 1)

    def run(k: Kiosk, mine: list[bytes]) -> None:
        start.wait()
        for body in mine:
            res = k.post(body)["results"]
            with lock:
                for r in res:
                    counts[r["status"]] = counts.get(r["status"], 0) + 1

    threads = [threading.Thread(target=run, args=(k, mine)) for k, mine in zip(kiosks, bodies)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    if hot_sender:
        hot_sender.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    return counts.get("stored", 0), elapsed, {"counts": counts, "batches": all_batches}


class HotProbe:
    """Sends one hot lead at a time and matches it with the SMTP sink's acceptance time."""

    def __init__(self, kiosk: Kiosk, show: str, sink: "Sink", n: int, interval_s: float):
        self.kiosk, self.show, self.sink, self.n, self.interval = kiosk, show, sink, n, interval_s
        self.sent: dict[str, float] = {}
        self.answered: dict[str, float] = {}
        self.thread = threading.Thread(target=self.run)
        self.stop_flag = False

    def start(self) -> None:
        self.thread.start()

    def run(self) -> None:
        for i in range(self.n):
            if self.stop_flag:
                break
            lead = make_lead(self.show, "hot", "booth-hot", i)
            body = json.dumps({"leads": [lead]}).encode()
            self.sent[lead["id"]] = time.time()
            self.kiosk.post(body)
            self.answered[lead["id"]] = time.time()
            time.sleep(self.interval)

    def latencies(self, timeout: float = 30) -> list[float]:
        self.thread.join()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not all(i in self.sink.accepted for i in self.sent):
            time.sleep(0.05)
        return [self.sink.accepted[i] - t for i, t in self.sent.items() if i in self.sink.accepted]

    def request_share(self) -> list[float]:
        """Seconds of each sample spent before the server answered the batch (queueing + ingest)."""
        return [self.answered[i] - t for i, t in self.sent.items() if i in self.sink.accepted and i in self.answered]


class Sink:
    def __init__(self, port: int):
        self.accepted: dict[str, float] = {}
        self.proc = subprocess.Popen([sys.executable, "-c", SMTP_SINK, str(port)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "READY"
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            lead_id, t = line.split()
            self.accepted[lead_id] = float(t)

    def stop(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(10)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def run_db(label: str, url: str, workers: int, args: argparse.Namespace, config: Path, sink: Sink,
           free_port) -> dict:  # type: ignore[no-untyped-def]
    from central.migrate import upgrade
    upgrade(url)
    port = free_port()
    server = Server(url, port, workers, config, args.notify_worker)
    try:
        kiosks = enroll_kiosks(url, server.base, args.kiosks + 1, "bench")
        hot_kiosk, kiosks = kiosks[0], kiosks[1:]
        # warm-up (connections, caches), not timed
        throughput(kiosks[:2], "bench", 1, 10)
        idle = HotProbe(hot_kiosk, "bench", sink, args.hot, 0.1)
        idle.start()
        idle_lat = idle.latencies()
        probe = HotProbe(hot_kiosk, "bench", sink, 10_000, 0.05)
        stored, elapsed, extra = throughput(kiosks, "bench", args.batches, args.batch_size, hot_sender=probe)
        probe.stop_flag = True
        load_lat = probe.latencies()
        load_req = probe.request_share()
        idle_req = idle.request_share()
        expected = args.kiosks * args.batches * args.batch_size
        if stored != expected:
            print(f"WARNING {label}: {stored} stored of {expected}: {extra['counts']}", file=sys.stderr)
    finally:
        server.stop()
    base = baseline_insert(url, extra["batches"][: max(1, len(extra["batches"]) // 2)])
    return {"label": label, "workers": workers, "stored": stored, "elapsed": elapsed, "rate": stored / elapsed,
            "baseline": base, "idle": idle_lat, "load": load_lat, "idle_req": idle_req, "load_req": load_req}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kiosks", type=int, default=20)
    ap.add_argument("--batches", type=int, default=10, help="batches per kiosk")
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--hot", type=int, default=40, help="hot leads for the idle latency probe")
    ap.add_argument("--sqlite-workers", type=int, default=1)
    ap.add_argument("--pg-workers", type=int, default=2)
    ap.add_argument("--notify-worker", default="auto", choices=("auto", "process", "thread"))
    ap.add_argument("--skip-sqlite", action="store_true")
    ap.add_argument("--skip-pg", action="store_true")
    args = ap.parse_args(argv)
    pg = _pg_module()
    tmp = Path(tempfile.mkdtemp(prefix="leadkiosk-bench-"))
    smtp_port = pg.free_port()
    config = tmp / "central.toml"
    config.write_text(f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nfrom = "leadkiosk@example.com"\n\n'
                      '[routing.default]\nemail = ["sales@example.com"]\n')
    sink = Sink(smtp_port)
    results = []
    server = None
    try:
        if not args.skip_sqlite:
            results.append(run_db("SQLite (WAL)", f"sqlite:///{tmp / 'central.db'}", args.sqlite_workers, args, config,
                                  sink, pg.free_port))
        if not args.skip_pg:
            try:
                server = pg.PgServer(durable=True).start()
            except pg.PgUnavailable as exc:
                print(f"PostgreSQL skipped: {exc}", file=sys.stderr)
            else:
                results.append(run_db("PostgreSQL 15", server.create_database("bench"), args.pg_workers, args, config,
                                      sink, pg.free_port))
    finally:
        sink.stop()
        if server:
            server.stop()
    total = args.kiosks * args.batches * args.batch_size
    print(f"\nIngest: {args.kiosks} kiosks x {args.batches} batches x {args.batch_size} leads = {total} leads per database; "
          f"signed requests over HTTP on loopback; {os.cpu_count()} CPUs (shared)\n")
    print("| database | server processes | leads stored | seconds | leads/s | baseline: bare INSERT loop, leads/s | ratio | target |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        target = ">= 2,000/s: " + ("met" if r["rate"] >= 2000 else "NOT met") if "Postgre" in r["label"] else "-"
        print(f"| {r['label']} | {r['workers']} | {r['stored']} | {r['elapsed']:.2f} | {r['rate']:,.0f} | "
              f"{r['baseline']:,.0f} | {r['rate'] / r['baseline']:.2f} | {target} |")
    print("\nHot lead: arrival (request sent) to e-mail accepted by the SMTP server on loopback\n")
    print("| database | condition | samples | p50 ms | p95 ms | max ms | of which HTTP request, p50 ms | target p95 < 1000 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        for cond, lat, req in (("idle", r["idle"], r["idle_req"]),
                               (f"during the {args.kiosks}-kiosk ingest", r["load"], r["load_req"])):
            ms = [x * 1000 for x in lat]
            rq = [x * 1000 for x in req]
            print(f"| {r['label']} | {cond} | {len(ms)} | {statistics.median(ms) if ms else float('nan'):.0f} | "
                  f"{pct(ms, 95):.0f} | {max(ms) if ms else float('nan'):.0f} | "
                  f"{statistics.median(rq) if rq else float('nan'):.0f} | {'met' if ms and pct(ms, 95) < 1000 else 'NOT met'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
