"""Review web app benchmark: time to render the lead table page and the feedback report at
100,000 leads, on SQLite and on PostgreSQL (p50, p95), through a real uvicorn on loopback.

Baseline, measured in the same run against the same database: the bare SQL behind each page
(the count and page queries of the lead table; the answer-index check and the GROUP BYs of the
report; the lead's row for a lead page, whose duplicate lookup is part of the page; the stored
duplicate keys of every live lead for the list of possible duplicates), executed with SQLAlchemy and fully
fetched. The report is measured twice: as served
repeatedly (the process caches it, keyed by a fingerprint of the show's leads and outcomes) and
cold (cache emptied before each request, as after any edit or outcome). The ratio page/baseline says what
HTTP, session check, ORM, Jinja2 rendering and the report arithmetic cost on top of the queries.
The machine is shared by several engineers, so absolute figures are noisy; compare the ratios.

    .venv/bin/python bench/review_bench.py [--leads 100000] [--runs 30] [--db sqlite,postgresql]

Target: under 300 ms per page at p95 on PostgreSQL.
"""
from __future__ import annotations

import argparse
import importlib.util
import re
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PASSWORD = "bench-password-1"
SHOW = "bench"


def _pg_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("leadkiosk_bench_pg", REPO / "tests" / "central" / "pg.py")
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def pct(values: list[float], p: float) -> float:
    v = sorted(values)
    k = (len(v) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def timeit(fn: Callable[[], object], runs: int, warm: int = 3,
           setup: Callable[[], object] | None = None) -> list[float]:
    """Milliseconds per call of ``fn``; ``setup`` runs untimed before each call."""
    for _ in range(warm):
        if setup:
            setup()
        fn()
    out = []
    for _ in range(runs):
        if setup:
            setup()
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def serve(app):  # type: ignore[no-untyped-def]
    import uvicorn
    pg = _pg_module()
    port = pg.free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    while not srv.started:
        time.sleep(0.05)
    return srv, t, f"http://127.0.0.1:{port}"


def run_db(kind: str, url: str, leads: int, runs: int) -> list[tuple]:
    import httpx
    from central.app import create_app
    from central.web import stats
    from central.web.answers_index import refresh
    from central.web.demo import load_demo
    from central.web.leadquery import LeadFilter, count_query, page_query
    from central.web.users import add_user

    app = create_app(url)
    db = app.state.db
    t = time.perf_counter()
    res = load_demo(db, show_id=SHOW, name="Bench Expo", leads=leads, seed=11, cost=50000.0, batch=5000,
                    index=False)
    load_s = time.perf_counter() - t
    with db.session() as s:
        add_user(s, "bench@example.com", "admin", PASSWORD)
    t = time.perf_counter()
    with db.session() as s:
        refresh(s, SHOW)
    index_s = time.perf_counter() - t
    if kind == "postgresql":
        with db.engine.connect() as c:
            c.exec_driver_sql("ANALYZE")
            c.commit()
    print(f"[{kind}] loaded {res.leads:,} leads ({res.outcomes:,} outcomes) in {load_s:.1f} s; "
          f"answer index built once in {index_s:.1f} s", flush=True)

    srv, thread, base = serve(app)
    client = httpx.Client(base_url=base, timeout=60, follow_redirects=True)
    tok = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    r = client.post("/login", data={"email": "bench@example.com", "password": PASSWORD, "csrf": tok})
    assert r.status_code == 200 and "Shows" in r.text, r.status_code

    def page(path: str) -> Callable[[], object]:
        def go() -> object:
            resp = client.get(path)
            assert resp.status_code == 200, (path, resp.status_code)
            return resp
        return go

    def sql_table(params: dict) -> Callable[[], object]:
        f = LeadFilter.parse(SHOW, params)

        def go() -> object:
            with db.engine.connect() as c:
                n = c.execute(count_query(f)).scalar()
                rows = c.execute(page_query(f)).all()
            return n, rows
        return go

    def sql_duplicates() -> object:
        """The rows the duplicates list reads (every live lead of the show: its stored duplicate keys,
        in capture order)."""
        from sqlalchemy import select
        from central.models import Lead
        with db.engine.connect() as c:
            return c.execute(select(Lead.id, Lead.email_key, Lead.name_key)
                             .where(Lead.show_id == SHOW, Lead.merged_into.is_(None))
                             .order_by(Lead.captured_at_corrected, Lead.id)).all()

    def sql_lead(lead_id: str) -> Callable[[], object]:
        def go() -> object:
            from sqlalchemy import select
            from central.models import Lead
            with db.engine.connect() as c:
                return c.execute(select(Lead).where(Lead.id == lead_id)).all()
        return go

    with db.session() as s:
        from sqlalchemy import select as _select
        from central.models import Lead as _Lead
        some_lead = s.scalar(_select(_Lead.id).where(_Lead.show_id == SHOW, _Lead.email.is_not(None))
                             .order_by(_Lead.id).limit(1))

    def sql_report() -> object:
        with db.session() as s:
            refresh(s, SHOW)   # the steady-state check: nothing stale
            return stats.show_numbers(s, SHOW, use_cache=False), stats.answer_counts(s, SHOW)

    cases = [
        ("lead table, page 1", f"/shows/{SHOW}/leads", sql_table({})),
        ("lead table, hot + search", f"/shows/{SHOW}/leads?tag=hot&q=m%C3%BCller", sql_table({"tag": "hot", "q": "müller"})),
        ("lead table, search all", f"/shows/{SHOW}/leads?q=acme", sql_table({"q": "acme"})),
        ("lead table, search, no match", f"/shows/{SHOW}/leads?q=qxzv", sql_table({"q": "qxzv"})),
        ("lead table, by score, page 500", f"/shows/{SHOW}/leads?sort=score&page=500",
         sql_table({"sort": "score", "page": "500"})),
        ("feedback report (cached)", f"/shows/{SHOW}/report", sql_report),
        ("feedback report (cold)", f"/shows/{SHOW}/report", sql_report),
        ("lead page (with duplicate check)", f"/leads/{some_lead}", sql_lead(some_lead)),
        ("possible duplicates list", f"/shows/{SHOW}/duplicates", sql_duplicates),
    ]
    out = []
    for name, path, base_fn in cases:
        # "cold": the server's report cache is emptied before each request, as after any change
        t_page = timeit(page(path), runs, setup=stats.clear_cache if "cold" in name else None)
        t_base = timeit(base_fn, runs)
        out.append((kind, name, pct(t_page, .5), pct(t_page, .95), pct(t_base, .5), pct(t_base, .95)))
        print(f"[{kind}] {name}: page p50 {out[-1][2]:.1f} ms p95 {out[-1][3]:.1f} ms; "
              f"SQL p50 {out[-1][4]:.1f} ms", flush=True)
    client.close()
    srv.should_exit = True
    thread.join(10)
    db.dispose()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--leads", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--db", default="sqlite,postgresql")
    args = ap.parse_args(argv)
    rows: list[tuple] = []
    with tempfile.TemporaryDirectory(prefix="review-bench-") as tmp:
        for kind in args.db.split(","):
            if kind == "sqlite":
                rows += run_db("sqlite", f"sqlite:///{tmp}/central.db", args.leads, args.runs)
            elif kind == "postgresql":
                pg = _pg_module()
                server, reason = pg.start_or_skip_reason()
                if server is None:
                    print(f"[postgresql] skipped: {reason}")
                    continue
                try:
                    rows += run_db("postgresql", server.create_database(), args.leads, args.runs)
                finally:
                    server.stop()
            else:
                ap.error(f"--db: unknown database {kind!r} (sqlite, postgresql)")
    print()
    print(f"Review pages at {args.leads:,} leads, {args.runs} runs each (ms; baseline = the bare SQL behind the page)")
    print(f"{'db':<11} {'page':<32} {'p50':>8} {'p95':>8} {'SQL p50':>8} {'SQL p95':>8} {'p50 ratio':>9}  target")
    for kind, name, p50, p95, b50, b95 in rows:
        target = ("ok" if p95 < 300 else "MISSED") if kind == "postgresql" else ""
        print(f"{kind:<11} {name:<32} {p50:8.1f} {p95:8.1f} {b50:8.1f} {b95:8.1f} {p50 / b50 if b50 else 0:8.2f}x  {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
