"""``leadkiosk central user ...`` and ``leadkiosk central demo-data``: the review app's commands.

``central.cli.register`` hands its subparsers to :func:`register`. Heavy imports stay inside the
handlers so ``leadkiosk --help`` stays fast.
"""
from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

DEMO_USERS = (("marketer@demo.example", "field_marketer", "Fiona Field"),
              ("sales@demo.example", "sales", "Sam Sales"),
              ("admin@demo.example", "admin", "Ada Admin"))
DEMO_PASSWORD = "leadkiosk-demo"


def _db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="URL", default=None,
                   help="database URL; default: $LEADKIOSK_CENTRAL_DB or sqlite:///central.db")


def register(sub: Any) -> None:
    """Add ``user`` and ``demo-data`` to the ``central`` command's subparsers."""
    user = sub.add_parser("user", help="review app users (sign-in for marketers, sales, admins)")
    usub = user.add_subparsers(dest="user_command", metavar="ACTION")
    user.set_defaults(func=lambda args: (user.print_help(), 2)[1])

    p = usub.add_parser("add", help="create a user (or reset one with --replace)")
    _db_arg(p)
    p.add_argument("--email", required=True)
    p.add_argument("--role", required=True, choices=("field_marketer", "sales", "admin"))
    p.add_argument("--name", default="")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from standard input (else: asked on the terminal)")
    p.add_argument("--replace", action="store_true", help="reset role and password of an existing user")
    p.set_defaults(func=cmd_user_add)

    p = usub.add_parser("list", help="list users")
    _db_arg(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_user_list)

    p = usub.add_parser("token", help="print a new API token for the outcomes API (shown once)")
    _db_arg(p)
    p.add_argument("--email", required=True)
    p.set_defaults(func=cmd_user_token)

    for action, what in (("disable", "refuse sign-in, end every session and revoke every API token"),
                         ("enable", "allow sign-in again (revoked API tokens stay revoked)")):
        p = usub.add_parser(action, help=f"{action} a user: {what}")
        _db_arg(p)
        p.add_argument("--email", required=True)
        p.set_defaults(func=cmd_user_disable if action == "disable" else cmd_user_enable)

    p = usub.add_parser("revoke-tokens", help="revoke every API token of a user (sessions stay)")
    _db_arg(p)
    p.add_argument("--email", required=True)
    p.set_defaults(func=cmd_user_revoke_tokens)

    p = sub.add_parser("demo-data", help="fill a demo show with realistic leads and sales outcomes")
    _db_arg(p)
    p.add_argument("--show", default="demo-2026", help="show id (default demo-2026)")
    p.add_argument("--name", default="Demo Expo 2026")
    p.add_argument("--leads", type=int, default=600, help="how many leads to add (default 600)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--cost", type=float, default=24000.0, help="show cost for the report (default 24000)")
    p.add_argument("--no-outcomes", action="store_true", help="leads only, no sales outcomes")
    p.add_argument("--demo-users", action="store_true",
                   help=f"also create {', '.join(u for u, _, _ in DEMO_USERS)} with password {DEMO_PASSWORD!r}")
    p.set_defaults(func=cmd_demo_data)

    from central.web import outcomes_cli
    outcomes_cli.register(sub)


def _fail(msg: str) -> int:
    print(f"leadkiosk central: {msg}", file=sys.stderr)
    return 1


def _db(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from central.db import Database
    from central.migrate import upgrade
    import central.web.models  # noqa: F401  (registers the review tables)
    db = Database(args.db)
    upgrade(db)
    return db


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise ValueError("no terminal to ask for the password: use --password-stdin")
    pw = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != pw:
        raise ValueError("the two passwords differ")
    return pw


def cmd_user_add(args: argparse.Namespace) -> int:
    from central.errors import CentralError
    from central.web.users import add_user
    try:
        password = _read_password(args.password_stdin)
        db = _db(args)
        with db.session() as s:
            u = add_user(s, args.email, args.role, password, name=args.name, replace=args.replace)
            email, role = u.email, u.role
    except (CentralError, ValueError) as exc:
        return _fail(str(exc))
    print(f"user {email} ({role}) {'updated' if args.replace else 'created'}")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    from sqlalchemy import select
    from central.errors import CentralError
    from central.web.models import User
    try:
        with _db(args).session() as s:
            users = [{"email": u.email, "name": u.name, "role": u.role, "disabled": u.disabled,
                      "created_at": u.created_at.isoformat()} for u in s.scalars(select(User).order_by(User.email))]
    except CentralError as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(users, indent=2))
    else:
        for u in users:
            print(f"{u['email']:<36} {u['role']:<15} {u['name']}")
    return 0


def cmd_user_token(args: argparse.Namespace) -> int:
    from sqlalchemy import select
    from central.errors import CentralError
    from central.web.models import User
    from central.web.security import new_api_token
    try:
        with _db(args).session() as s:
            u = s.scalar(select(User).where(User.email == args.email.strip().lower()))
            if u is None:
                return _fail(f"no user {args.email}")
            token = new_api_token(s, u)
    except CentralError as exc:
        return _fail(str(exc))
    print(token)
    return 0


def _set_disabled(args: argparse.Namespace, disabled: bool) -> int:
    from central.errors import CentralError
    from central.web.users import set_disabled
    try:
        with _db(args).session() as s:
            u = set_disabled(s, args.email, disabled)
            email = u.email
    except CentralError as exc:
        return _fail(str(exc))
    print(f"user {email} {'disabled: signed out everywhere, API tokens revoked' if disabled else 'enabled'}")
    return 0


def cmd_user_disable(args: argparse.Namespace) -> int:
    return _set_disabled(args, True)


def cmd_user_enable(args: argparse.Namespace) -> int:
    return _set_disabled(args, False)


def cmd_user_revoke_tokens(args: argparse.Namespace) -> int:
    from central.errors import CentralError
    from central.web.users import find_user, revoke_tokens
    try:
        with _db(args).session() as s:
            u = find_user(s, args.email)
            n, email = revoke_tokens(s, u.id), u.email
    except CentralError as exc:
        return _fail(str(exc))
    print(f"user {email}: {n} API token{'s' if n != 1 else ''} revoked")
    return 0


def cmd_demo_data(args: argparse.Namespace) -> int:
    from central.errors import CentralError
    from central.web.demo import load_demo
    if not 1 <= args.leads <= 2_000_000:
        return _fail(f"--leads: expected 1 to 2,000,000, got {args.leads}")
    try:
        db = _db(args)
        res = load_demo(db, show_id=args.show, name=args.name, leads=args.leads, seed=args.seed,
                        cost=args.cost, outcomes=not args.no_outcomes)
        made = []
        if args.demo_users:
            from sqlalchemy import select
            from central.web.models import User
            from central.web.users import add_user
            with db.session() as s:
                for email, role, name in DEMO_USERS:
                    if s.scalar(select(User).where(User.email == email)) is None:
                        add_user(s, email, role, DEMO_PASSWORD, name=name)
                        made.append(email)
    except CentralError as exc:
        return _fail(str(exc))
    print(f"show {res.show_id}: {res.leads} leads added, {res.outcomes} with a sales outcome, {res.devices} kiosks")
    for email in made:
        print(f"demo user {email} / password {DEMO_PASSWORD}")
    if not made and not args.demo_users:
        print("sign in needs a user: leadkiosk central user add --email you@example.com --role admin")
    return 0
