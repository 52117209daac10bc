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
