"""``leadkiosk central report`` and ``leadkiosk central outcomes import|pull``: the feedback loop for
scripts and outside checks. Names, options and the JSON shapes are a contract (issue 16): keep
them exactly. Heavy imports stay inside the handlers so ``leadkiosk --help`` stays fast."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def _db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="URL", default=None,
                   help="database URL; default: $LEADKIOSK_CENTRAL_DB or sqlite:///central.db")


def _fail(msg: str, code: int = 1) -> int:
    print(f"leadkiosk central: {msg}", file=sys.stderr)
    return code


def _db(args: argparse.Namespace) -> Any:
    from central.db import Database
    from central.migrate import upgrade
    import central.web.models  # noqa: F401  (registers the review tables)
    db = Database(args.db)
    upgrade(db)
    return db


def register(sub: Any) -> None:
    """Add ``report`` and ``outcomes`` to the ``central`` command's subparsers."""
    p = sub.add_parser("report", help="a show's feedback numbers (the report page's)")
    _db_arg(p)
    p.add_argument("--show", required=True, metavar="ID")
    p.add_argument("--json", action="store_true",
                   help='print {"total", "by_tag": {hot, warm, nurture}, "discarded_at_capture"}')
    p.set_defaults(func=cmd_report)

    out = sub.add_parser("outcomes", help="sales outcomes: import a CRM export, pull from the CRMs")
    osub = out.add_subparsers(dest="outcomes_command", metavar="ACTION")
    out.set_defaults(func=lambda args: (out.print_help(), 2)[1])
    p = osub.add_parser("import", help="import outcomes from a CRM export (CSV in any usual encoding, or XLSX)")
    _db_arg(p)
    p.add_argument("--show", required=True, metavar="ID")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                   help="use COLUMN for FIELD (lead_id, email, registration_id, stage, lead_status, amount, "
                        "currency, close_date, reason); beats the proposal and the show's remembered mapping")
    p.add_argument("--map-value", action="append", default=[], metavar="FIELD:VALUE=OUTCOME",
                   help="VALUE of FIELD (stage or lead_status) means OUTCOME (closed_won, closed_lost, "
                        "discarded, active, none); remembered for the show")
    p.add_argument("--sheet", default=None, help="XLSX: the sheet to read (default: the first)")
    p.add_argument("--dry-run", action="store_true", help="preview only: change nothing")
    p.add_argument("--json", action="store_true",
                   help='print {"rows", "matched", "updated", "unchanged", "unmatched", "rejected"}')
    p.set_defaults(func=cmd_outcomes_import)
    p = osub.add_parser("pull", help="read outcomes back from the show's HubSpot/Salesforce destinations once")
    _db_arg(p)
    p.add_argument("--show", required=True, metavar="ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_outcomes_pull)


def cmd_report(args: argparse.Namespace) -> int:
    from central.errors import CentralError
    from central.models import Show
    from central.web import numbers as nb
    from central.web import stats
    try:
        db = _db(args)
        with db.session() as s:
            if s.get(Show, args.show) is None:
                return _fail(f"--show: there is no show {args.show!r}")
            n = stats.show_numbers(s, args.show, use_cache=False)
    except CentralError as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(n.to_json()))
        return 0
    t = n.total
    print(f"show {args.show}: {t.leads} leads, {n.discarded_at_capture} discarded at capture, {n.qualified} qualified")
    print(f"{'tag':<9}{'leads':>7}{'won':>6}{'lost':>6}{'active':>8}{'disc.':>7}{'none':>6}{'revenue':>14}")
    for tag in (*nb.TAGS, "total"):
        c = t if tag == "total" else n.by_tag[tag]
        print(f"{tag:<9}{c.leads:>7}{c.won:>6}{c.lost:>6}{c.active:>8}{c.discarded:>7}{c.no_outcome:>6}"
              f"{float(c.revenue):>14,.2f}")
    return 0


def cmd_outcomes_import(args: argparse.Namespace) -> int:
    """Exit 0: read and (unless --dry-run) applied; 1: the file or the mapping cannot be used
    (nothing changed; the message lists every problem); rows that do not match are counted, not errors."""
    from datetime import datetime, timezone
    from pathlib import Path
    from central.errors import CentralError
    from central.models import Show
    from central.web import outcome_import as oi
    from central.web import stats
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        return _fail(f"FILE: cannot read {args.file}: {exc.strerror or exc}")
    try:
        table = oi.read_table(data, args.file, args.sheet)
        db = _db(args)
        with db.session(write=True) as s:
            if s.get(Show, args.show) is None:
                return _fail(f"--show: there is no show {args.show!r}")
            cols, vals = oi.parse_map_args(table, args.map, args.map_value)
            mapping = oi.propose(table, oi.load_mapping(s, args.show), cols)
            for f, v in vals.items():
                mapping.values.setdefault(f, {}).update(v)
            currency, _ = stats.report_settings(s, args.show)
            p = oi.plan(s, args.show, table, mapping, default_currency=currency)
            if p.problems or p.unknown:
                problems = list(p.problems)
                for f, values in p.unknown.items():
                    problems.append(f"{mapping.columns[f]} values not mapped to an outcome: "
                                    + ", ".join(f"{v!r} ({n} rows)" for v, n in values.items())
                                    + f" (add --map-value {f}:VALUE=OUTCOME)")
                s.rollback()
                print(f"columns: {table.columns}; read as {table.describe()}", file=sys.stderr)
                return _fail("nothing imported: " + "; ".join(problems))
            if not args.dry_run:
                oi.apply(s, p, actor="cli", source="import", now=datetime.now(timezone.utc))
                oi.save_mapping(s, args.show, mapping, actor="cli", now=datetime.now(timezone.utc))
            counts = p.counts()
            if args.dry_run:
                s.rollback()
    except oi.ImportFormatError as exc:
        return _fail(f"{args.file}: {exc}")
    except CentralError as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(counts))
    else:
        print(f"{args.file}: {table.describe()}; " + ", ".join(f"{k} {v}" for k, v in counts.items())
              + (" (dry run: nothing changed)" if args.dry_run else ""))
        for r in p.unmatched[:20]:
            print(f"  line {r.line}: {r.problem}")
    return 0


def cmd_outcomes_pull(args: argparse.Namespace) -> int:
    from central.errors import CentralError
    from central.models import Show
    from central.web import crm_pull
    try:
        db = _db(args)
        with db.session() as s:
            if s.get(Show, args.show) is None:
                return _fail(f"--show: there is no show {args.show!r}")
        results = crm_pull.pull_show(db, args.show)
    except CentralError as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps([r.to_json() for r in results]))
    else:
        if not results:
            print(f"show {args.show}: no hubspot or salesforce destination to pull from")
        for r in results:
            print(f"{r.destination} ({r.kind}): {r.summary()}")
    return 0 if all(r.error is None for r in results) else 1
