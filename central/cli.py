"""``leadkiosk central ...``: serve the API, list leads, enroll and revoke kiosks, set a show's
config, export nurture leads, migrate, run the notification worker on its own.

Heavy imports (FastAPI, SQLAlchemy, uvicorn) happen inside the handlers so ``leadkiosk --help``
stays fast.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any


def _db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="URL", default=None,
                   help="database URL (sqlite:///central.db, postgresql://user@host/db); "
                        "default: $LEADKIOSK_CENTRAL_DB or sqlite:///central.db")


def register(subparsers: Any) -> None:
    central = subparsers.add_parser("central", help="the central system (API, enrollment, notifications)",
                                    description="The central system that the kiosk fleet syncs into.")
    sub = central.add_subparsers(dest="central_command", metavar="SUBCOMMAND")
    central.set_defaults(func=lambda args: (central.print_help(), 2)[1])

    p = sub.add_parser("serve", help="run the HTTP API (and the notification worker)")
    _db_arg(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8800)
    p.add_argument("--config", metavar="FILE", help="central config (TOML); default $LEADKIOSK_CENTRAL_CONFIG")
    p.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (stateless; PostgreSQL advised)")
    p.add_argument("--notify-worker", choices=("auto", "process", "thread", "none"), default="auto",
                   help="where hot-lead e-mails are sent from: a child process woken by PostgreSQL's NOTIFY "
                        "(auto on PostgreSQL), a thread in each server process that the API hands new "
                        "notifications to directly (auto on SQLite, where a second process would wait for the "
                        "write lock), or none (run `leadkiosk central notify-worker` elsewhere)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("leads", help="list stored leads")
    _db_arg(p)
    p.add_argument("--show", metavar="SHOW")
    p.add_argument("--json", action="store_true", help="JSON list: id, version, tag, discarded, contact, kiosk_id, device_id")
    p.set_defaults(func=cmd_leads)

    p = sub.add_parser("enroll-code", help="print a single-use enrollment code for a show (creates the show)")
    _db_arg(p)
    p.add_argument("--show", metavar="SHOW", required=True)
    p.add_argument("--name", help="show name when the show is created")
    p.add_argument("--ttl-hours", type=float, default=168.0, help="code validity (default 168 h)")
    p.set_defaults(func=cmd_enroll_code)

    p = sub.add_parser("revoke", help="revoke a kiosk's device token")
    _db_arg(p)
    p.add_argument("device", metavar="DEVICE")
    p.set_defaults(func=cmd_revoke)

    p = sub.add_parser("devices", help="list enrolled kiosks")
    _db_arg(p)
    p.add_argument("--show", metavar="SHOW")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_devices)

    p = sub.add_parser("show-config", help="set a show's form, badge profile, roster, destinations")
    _db_arg(p)
    p.add_argument("--show", metavar="SHOW", required=True)
    p.add_argument("--form", metavar="FILE", type=Path)
    p.add_argument("--badge", metavar="FILE", type=Path)
    p.add_argument("--roster", metavar="FILE", type=Path)
    p.add_argument("--show-yaml", metavar="FILE", type=Path, help="show.yaml (name, branding, destinations, ...)")
    p.add_argument("--name")
    p.add_argument("--cost", type=float, help="what the show cost (for the feedback report)")
    p.set_defaults(func=cmd_show_config)

    p = sub.add_parser("export-nurture", help="CSV of a show's nurture leads for marketing")
    _db_arg(p)
    p.add_argument("--show", metavar="SHOW", required=True)
    p.add_argument("--out", metavar="FILE", type=Path, required=True)
    p.set_defaults(func=cmd_export_nurture)

    p = sub.add_parser("migrate", help="bring the database schema up to date")
    _db_arg(p)
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("notify-worker", help="deliver queued hot-lead notifications and CRM outbox rows")
    _db_arg(p)
    p.add_argument("--config", metavar="FILE")
    p.add_argument("--once", action="store_true", help="deliver what is due now and exit")
    p.set_defaults(func=cmd_notify_worker)

    p = sub.add_parser("notifications", help="the hot-lead notification queue (failed rows, retry)")
    _db_arg(p)
    p.add_argument("--failed", action="store_true", help="only rows that gave up after [notify] max_attempts")
    p.add_argument("--json", action="store_true",
                   help="JSON list: id, lead_id, kind, recipient, state, attempts, created_at, sent_at, "
                        "next_attempt_at, last_error")
    p.add_argument("--retry", metavar="ID", type=int, action="append", default=[],
                   help="put this failed row back in the queue (repeatable)")
    p.add_argument("--limit", type=int, default=1000)
    p.set_defaults(func=cmd_notifications)

    p = sub.add_parser("check-config", help="validate a central config file")
    p.add_argument("config", metavar="FILE")
    p.set_defaults(func=cmd_check_config)

    from central.web.cli import register as _review  # the review web app's commands (user, demo-data)
    _review(sub)


def _fail(msg: str) -> int:
    print(f"leadkiosk central: {msg}", file=sys.stderr)
    return 1


def _guard(fn):  # type: ignore[no-untyped-def]
    """Translate the package's errors into one line on stderr and exit status 1."""
    def wrapper(args: argparse.Namespace) -> int:
        from central.errors import CentralError
        try:
            return fn(args)
        except CentralError as exc:
            return _fail(str(exc))
    wrapper.__doc__ = fn.__doc__
    return wrapper


def _db(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from central.db import Database
    from central.migrate import upgrade
    db = Database(args.db)
    upgrade(db)
    return db


@_guard
def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from central.app import create_app
    from central.db import ENV_DB, resolve_url
    from central.migrate import upgrade
    from central.settings import ENV_CONFIG, load_settings

    settings = load_settings(args.config)  # validate before anything starts
    url = resolve_url(args.db)
    upgrade(url)
    if args.notify_worker == "auto":
        args.notify_worker = "process" if url.startswith("postgresql") else "thread"
    print(f"leadkiosk central: serving {url.split('@')[-1]} on http://{args.host}:{args.port} "
          f"({args.workers} process{'es' if args.workers > 1 else ''}, notifications: {args.notify_worker})",
          file=sys.stderr)
    supervisor = _NotifyChild(url, args.config) if args.notify_worker == "process" else None
    try:
        if args.workers > 1:
            os.environ[ENV_DB] = url
            if args.config:
                os.environ[ENV_CONFIG] = str(Path(args.config).resolve())
            os.environ["LEADKIOSK_CENTRAL_WORKER"] = "1" if args.notify_worker == "thread" else "0"
            uvicorn.run("central.asgi:app", host=args.host, port=args.port, workers=args.workers,
                        log_level="warning", access_log=False, proxy_headers=False)
        else:
            app = create_app(url, settings, start_worker=args.notify_worker == "thread")
            uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False,
                        proxy_headers=False)  # the app trusts only [http] trusted_proxies
    finally:
        if supervisor:
            supervisor.stop()
    return 0


class _NotifyChild:
    """``leadkiosk central notify-worker`` as a child process, restarted if it dies (the queue is
    in the database, so a restart loses nothing)."""

    def __init__(self, url: str, config: str | None):
        import subprocess
        import threading
        self.cmd = [sys.executable, "-m", "kiosk", "central", "notify-worker", "--db", url]
        if config:
            self.cmd += ["--config", str(Path(config).resolve())]
        self._subprocess = subprocess
        self._stop = threading.Event()
        self.env = dict(os.environ, LEADKIOSK_NOTIFY_PARENT=str(os.getpid()))
        self.proc = subprocess.Popen(self.cmd, env=self.env)
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        while not self._stop.wait(1.0):
            if self.proc.poll() is not None and not self._stop.is_set():
                print(f"leadkiosk central: notify-worker exited ({self.proc.returncode}); restarting", file=sys.stderr)
                self.proc = self._subprocess.Popen(self.cmd, env=self.env)

    def stop(self) -> None:
        self._stop.set()
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except self._subprocess.TimeoutExpired:
            self.proc.kill()


@_guard
def cmd_leads(args: argparse.Namespace) -> int:
    from central.queries import list_leads
    leads = list_leads(_db(args), args.show)
    if args.json:
        json.dump(leads, sys.stdout, indent=1, ensure_ascii=False)
        print()
        return 0
    for lead in leads:
        c = lead["contact"]
        name = " ".join(x for x in (c.get("first_name"), c.get("last_name")) if x) or c.get("email") or "?"
        print(f"{lead['id']}  v{lead['version']:<3} {lead['tag']:<8}{' discarded' if lead['discarded'] else ''}"
              f"  {name}  ({c.get('company') or '-'})  {lead['device_name'] or lead['device_id']}")
    print(f"{len(leads)} lead(s)", file=sys.stderr)
    return 0


@_guard
def cmd_enroll_code(args: argparse.Namespace) -> int:
    from central.devices import new_enrollment_code
    print(new_enrollment_code(_db(args), args.show, ttl_hours=args.ttl_hours, show_name=args.name))
    return 0


@_guard
def cmd_revoke(args: argparse.Namespace) -> int:
    from central.devices import revoke
    out = revoke(_db(args), args.device)
    print(f"revoked {out['device_id']} at {out['revoked_at']}")
    return 0


@_guard
def cmd_devices(args: argparse.Namespace) -> int:
    from central.devices import list_devices
    devices = list_devices(_db(args), args.show)
    if args.json:
        json.dump(devices, sys.stdout, indent=1)
        print()
        return 0
    for d in devices:
        state = "REVOKED" if d["revoked_at"] else "active"
        print(f"{d['device_id']}  {d['show_id']:<16} {d['name']:<16} {state:<8} last seen {d['last_seen_at'] or 'never'}"
              f"  pending {_pending_text(d['pending'])}")
    return 0


def _pending_text(pending: object) -> str:
    """``{"central": 3, "hubspot": 0}`` -> ``central 3, hubspot 0``; nothing reported -> ``-``."""
    if isinstance(pending, dict):
        return ", ".join(f"{k} {v}" for k, v in sorted(pending.items())) or "-"
    return "-" if pending in (None, "") else str(pending)


def _read(path: Path | None, what: str) -> str | None:
    from central.errors import ConfigError
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), "(file)", f"a readable UTF-8 {what} file ({exc})") from None


@_guard
def cmd_show_config(args: argparse.Namespace) -> int:
    import yaml

    from central.errors import ConfigError
    from central.shows import served_config, set_config
    show = None
    text = _read(args.show_yaml, "show.yaml")
    if text is not None:
        try:
            show = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(str(args.show_yaml), "(file)", f"valid YAML ({exc})") from None
        if not isinstance(show, dict):
            raise ConfigError(str(args.show_yaml), "(top level)", "a mapping like id: ..., name: ...")
        dests = show.get("destinations", [])
        if not isinstance(dests, list) or not all(isinstance(d, dict) and isinstance(d.get("name"), str) for d in dests):
            raise ConfigError(str(args.show_yaml), "destinations", "a list of mappings, each with a name")
    db = _db(args)
    with db.write() as conn:
        set_config(conn, args.show, form_yaml=_read(args.form, "form"), form_source=str(args.form),
                   badge_yaml=_read(args.badge, "badge profile"), roster_csv=_read(args.roster, "roster"),
                   show=show, name=args.name, cost=args.cost)
        etag = served_config(conn, args.show)["etag"]
    print(f"show {args.show} config updated (etag {etag})")
    return 0


@_guard
def cmd_export_nurture(args: argparse.Namespace) -> int:
    from central.queries import export_nurture
    n = export_nurture(_db(args), args.show, args.out)
    print(f"{n} nurture lead(s) written to {args.out}")
    return 0


@_guard
def cmd_migrate(args: argparse.Namespace) -> int:
    from central.db import Database
    from central.migrate import upgrade
    print("schema at", ", ".join(upgrade(Database(args.db))))
    return 0


@_guard
def cmd_notify_worker(args: argparse.Namespace) -> int:
    from central.notify.worker import NotificationWorker
    from central.outbox import OutboxWorker
    from central.settings import load_settings
    settings = load_settings(args.config)
    db = _db(args)
    worker = NotificationWorker(db, settings)
    outbox = OutboxWorker(db, settings)
    if args.once:
        print(f"{worker.run_once(limit=10_000)} notification(s) sent, {outbox.run_once(limit=10_000)} CRM push(es) sent")
        return 0
    outbox.start()
    import signal
    import threading
    import time
    signal.signal(signal.SIGTERM, lambda *_: (worker.stop(0), sys.exit(0)))
    parent = os.environ.get("LEADKIOSK_NOTIFY_PARENT")
    if parent:  # started by `serve`: do not outlive it (a killed parent cannot stop us)
        def _orphan_watch() -> None:
            while os.getppid() == int(parent):
                time.sleep(1.0)
            os._exit(0)
        threading.Thread(target=_orphan_watch, daemon=True).start()
    worker.run_forever(listen=True)
    return 0


@_guard
def cmd_notifications(args: argparse.Namespace) -> int:
    """List the queue (newest first); exit 1 if a --retry id does not exist or is not waiting."""
    from central.notify.worker import list_notifications, retry_notification
    db = _db(args)
    status = 0
    for nid in args.retry:
        row = retry_notification(db, nid)
        if row is None or row["state"] != "pending":
            status = _fail(f"notification {nid}: " + ("no such row" if row is None else f"is {row['state']}"))
        else:
            print(f"notification {nid} (lead {row['lead_id']}) queued again", file=sys.stderr)
    if args.retry and not args.failed and not args.json:
        return status
    rows = list_notifications(db, state="failed" if args.failed else None, limit=args.limit)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return status
    for n in rows:
        print(f"{n['id']:>6}  {n['state']:<8} {n['attempts']:>3}x  {n['kind']:<5} {n['recipient'][:40]:<40} "
              f"lead {n['lead_id']}  {n['last_error'] or ''}")
    if not rows:
        print("no failed notifications" if args.failed else "no notifications")
    return status


@_guard
def cmd_check_config(args: argparse.Namespace) -> int:
    from central.settings import load_settings
    s = load_settings(args.config)
    print(f"{args.config}: OK ({len(s.rules)} routing rule(s), default owner {'set' if s.default_route else 'not set'}, "
          f"smtp {'set' if s.smtp else 'not set'}, chat {'set' if s.chat_webhook_url else 'not set'}, "
          f"review base_url {s.review_base_url or 'not set (alerts carry no link)'})")
    return 0
