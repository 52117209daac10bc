"""``leadkiosk sync``, ``leadkiosk sync status``, ``leadkiosk sync pull-config`` and
``leadkiosk enroll``: the operator's handles on the outbox. Heavy imports stay in the handlers."""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_LEFT, EXIT_CONFIG = 0, 1, 2


def _data_arg(p: argparse.ArgumentParser, top: bool) -> None:
    if top:
        from kiosk.paths import add_data_argument
        add_data_argument(p)
    else:  # SUPPRESS: `leadkiosk sync --data X status` must keep X (argparse sub-parser defaults win)
        p.add_argument("--data", metavar="DIR", default=argparse.SUPPRESS, help="data directory")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "sync", help="deliver queued leads to central and the CRMs (foreground worker)",
        description="Run the outbox worker in the foreground (the kiosk app runs the same worker in "
                    "a thread; do not run both on one data directory). --once: send what can be sent "
                    "now, print a summary, exit 1 if anything is left undelivered.")
    _data_arg(p, top=True)
    p.add_argument("--once", action="store_true", help="drain what can be sent now and exit")
    p.add_argument("--max-wait", type=float, default=10.0, metavar="S",
                   help="with --once: longest total wait for a failing destination (default 10 s)")
    p.add_argument("--json", action="store_true", help="with --once: print the summary as JSON")
    p.set_defaults(func=cmd_sync)
    sub = p.add_subparsers(dest="sync_command", metavar="SUBCOMMAND")

    s = sub.add_parser("status", help="queued, sent, failed and parked leads per destination")
    _data_arg(s, top=False)
    s.add_argument("--json", action="store_true", help="print JSON (the shape `SyncWorker.status()` returns)")
    s.set_defaults(func=cmd_status)

    s = sub.add_parser("pull-config", help="fetch this kiosk's show config from central into DATA/shows/<id>/")
    _data_arg(s, top=False)
    s.set_defaults(func=cmd_pull_config)

    e = subparsers.add_parser("enroll", help="enroll this kiosk with a central system (one-time code)",
                              description="Exchange a one-time enrollment code for this kiosk's device token; "
                                          "writes DATA/central.json (mode 0600), pulls the show config and makes "
                                          "central a sync destination.")
    e.add_argument("url", metavar="URL", help="central system base URL, e.g. https://leads.example.com")
    e.add_argument("code", metavar="CODE", help="enrollment code from `leadkiosk central enroll-code`")
    _data_arg(e, top=True)
    e.add_argument("--name", help="kiosk name shown centrally (default: kiosk_id from kiosk.toml, or hostname)")
    e.add_argument("--insecure", action="store_true",
                   help="do not verify the server's TLS certificate (test set-ups only)")
    e.add_argument("--ca-file", metavar="PEM", help="CA bundle for a central system with a private CA")
    e.add_argument("--allow-plain-http", action="store_true",
                   help="LAB ONLY: accept an http:// URL to another machine (token, secret and visitors' data "
                        "then cross the network in clear); without it only https:// or loopback")
    e.set_defaults(func=cmd_enroll)


# -- helpers -----------------------------------------------------------------------------------
def _data(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from kiosk.paths import data_dir
    return data_dir(getattr(args, "data", None))


def _err(msg: str) -> None:
    print(f"leadkiosk: {msg}", file=sys.stderr)


def _worker(args: argparse.Namespace, readonly: bool = False):  # type: ignore[no-untyped-def]
    """(worker, store, note) or raises SyncError/KioskError."""
    from kiosk.store import open_store
    from kiosk.sync_wiring import config_writer, load_destinations
    from sync.worker import SyncWorker

    data = _data(args)
    transports, note = load_destinations(data)
    store = open_store(data, readonly=readonly)
    worker = SyncWorker(store, transports)
    worker.on_config = config_writer(data, worker)
    return worker, store, note


def _table(status: dict) -> str:
    rows = [("destination", "kind", "state", "pending", "sent", "failed", "parked", "last success", "last error")]
    for name, d in status.get("destinations", {}).items():
        rows.append((name, d.get("kind", ""), d.get("state", ""), str(d.get("pending", 0)), str(d.get("sent", 0)),
                     str(d.get("failed", 0)), str(d.get("parked", 0)), d.get("last_success_at") or "never",
                     (d.get("last_error") or "-").replace("\n", " ")[:100]))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1] for r in rows)


def _left_undelivered(status: dict) -> bool:
    return any(d.get("pending") or d.get("failed") or d.get("parked") for d in status.get("destinations", {}).values())


# -- handlers -----------------------------------------------------------------------------------
def cmd_sync(args: argparse.Namespace) -> int:
    from kiosk.errors import KioskError
    from sync.errors import SyncError

    try:
        worker, store, note = _worker(args)
    except (SyncError, KioskError) as exc:
        _err(str(exc))
        return EXIT_CONFIG
    try:
        if not worker.lanes:
            left = len(store.find())
            print(f"no sync destinations ({note}); enroll with `leadkiosk enroll URL CODE` or add "
                  f"destinations: to the show config; {left} lead(s) stay in the store unsent")
            # --once promises exit 1 when anything is left: with nowhere to send, every lead is
            return EXIT_LEFT if args.once and left else EXIT_OK
        if args.once:
            status = worker.run_once(max_wait_s=args.max_wait)
            status["source"] = note
            print(json.dumps(status, indent=2) if args.json else _table(status))
            return EXIT_LEFT if _left_undelivered(status) else EXIT_OK
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        print(f"sync running ({note}); Ctrl-C to stop", flush=True)
        worker.start()
        try:
            while not stop.wait(30.0):
                print(_table(worker.status()), flush=True)
        except KeyboardInterrupt:
            pass
        return EXIT_OK
    finally:
        worker.stop(timeout=5.0)
        store.close()


def cmd_status(args: argparse.Namespace) -> int:
    from kiosk.errors import KioskError
    from sync.errors import SyncError

    try:
        worker, store, note = _worker(args, readonly=True)   # status never writes
    except (SyncError, KioskError) as exc:
        _err(str(exc))
        return EXIT_CONFIG
    try:
        status = worker.status()
        status["source"] = note
        for d in status["destinations"].values():  # no worker runs in this process
            if d.get("state") in ("idle", "stopped"):
                d["state"] = "configured"
        status["running"] = None
        status["store_damage"] = {"problems": store.damage, "lost_ids": store.lost_ids,
                                  "kept_earlier_unacknowledged": store.damage_kept_earlier}
        parked = worker.parked()
        for name, rows in parked.items():
            status["destinations"][name]["parked_leads"] = rows
        if args.json:
            print(json.dumps(status, indent=2))
        else:
            print(_table(status))
            if not status["destinations"]:
                print(f"no sync destinations ({note}): enroll with `leadkiosk enroll URL CODE` or add "
                      f"destinations: to the show config; {len(store.find())} lead(s) stay in the store")
            for problem in store.damage:
                print(f"LEAD STORE DAMAGED: {problem}")
            for kept in store.damage_kept_earlier:
                print(f"LEAD STORE DAMAGED EARLIER, NOT YET ACKNOWLEDGED ON THE KIOSK: kept as {kept}")
            for name, rows in parked.items():
                for r in rows:
                    print(f"parked for {name}: {r['id']} v{r['version']} {r['who'] or ''}: {r['error']}")
        return EXIT_OK
    finally:
        store.close()


def cmd_pull_config(args: argparse.Namespace) -> int:
    from kiosk.errors import KioskError
    from sync.enrollment import load_credentials
    from sync.errors import SyncError
    from kiosk.sync_wiring import apply_pulled_config
    from sync.transports.central import CentralTransport

    data = _data(args)
    try:
        creds = load_credentials(data)
        if creds is None:
            _err(f"{data}: not enrolled; run `leadkiosk enroll URL CODE` first")
            return EXIT_CONFIG
        t = CentralTransport(creds)
        try:
            cfg = t.pull_config()
        finally:
            t.close()
        assert cfg is not None
        show_id = apply_pulled_config(data, cfg)
    except (SyncError, KioskError) as exc:
        _err(f"config pull failed, the last copy is kept: {exc}")
        return EXIT_LEFT
    print(f"show {show_id} config written to {data / 'shows' / show_id}")
    return EXIT_OK


def _register_keys(data: Path) -> None:
    """A kiosk that already has keys (made before enrolling) learns central's public key now, so
    leads captured while locked reach central readable; the central wrapper of its private key
    follows at the next passphrase unlock (it is not in memory here)."""
    try:
        from kiosk.seal import Keyring
        from kiosk.seal.central_link import register_with_central

        ring = Keyring.load(data)
        if ring is not None:
            print(register_with_central(data, ring))
    except Exception as exc:  # noqa: BLE001 - enrollment itself succeeded; keys register later
        print(f"keys: not registered with central now ({exc}); they register at the next passphrase unlock",
              file=sys.stderr)


def cmd_enroll(args: argparse.Namespace) -> int:
    from kiosk.errors import KioskError
    from sync.enrollment import check_central_url, enroll
    from sync.errors import SyncError

    data = _data(args)
    fresh = not (data / "kiosk.toml").exists()
    name = args.name
    if not name:
        try:
            from kiosk.config import load_kiosk_settings
            name = load_kiosk_settings(data).kiosk_id
        except Exception:  # settings unreadable: enrollment falls back to the hostname
            name = None
    try:
        warning = check_central_url(args.url.rstrip("/"), args.allow_plain_http)
        if warning:
            print(f"\n{'!' * 78}\n{warning}\n{'!' * 78}\n", file=sys.stderr)
        creds = enroll(args.url, args.code, data, kiosk_name=name, insecure=args.insecure, ca_file=args.ca_file,
                       allow_plain_http=args.allow_plain_http)
    except SyncError as exc:
        _err(str(exc))
        return EXIT_LEFT
    print(f"enrolled as {creds.device_id} ({creds.kiosk_name}) for show {creds.show_id}; "
          f"credentials in {data / 'central.json'} (mode 0600); central is now a sync destination")
    if args.insecure:
        print("warning: TLS verification is OFF for this central system (--insecure)", file=sys.stderr)
    try:  # an enrolled kiosk must not keep the demo PIN: set one and show it this once
        from kiosk.config.settings import ensure_real_pin
        pin = ensure_real_pin(data)
    except KioskError as exc:
        pin = None
        _err(f"could not set a staff PIN ({exc}); the staff area stays closed until one is set")
    if pin:
        print(f"staff PIN for this kiosk: {pin}  (the demo PIN 1234 no longer opens the staff area; "
              "this PIN is shown only now: note it)")
    _register_keys(data)
    # the show config, so the kiosk can run the enrolled show right away (and offline later)
    try:
        from kiosk.sync_wiring import apply_pulled_config
        from sync.transports.central import CentralTransport

        t = CentralTransport(creds)
        try:
            cfg = t.pull_config()
        finally:
            t.close()
        if cfg is not None:
            show_id = apply_pulled_config(data, cfg)
            from kiosk.config import update_settings
            changes = {"show": show_id}
            if fresh and args.name:  # a new kiosk takes the name it enrolled with as its kiosk_id
                changes["kiosk_id"] = args.name
            update_settings(data, changes)
            print(f"show {show_id} config pulled into {data / 'shows' / show_id}; kiosk.toml show = {show_id}")
    except (SyncError, KioskError) as exc:
        print(f"warning: show config not pulled yet ({exc}); the worker retries when online, "
              "or run `leadkiosk sync pull-config`", file=sys.stderr)
    return EXIT_OK
