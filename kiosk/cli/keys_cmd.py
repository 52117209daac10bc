"""``leadkiosk keys init``, ``unlock``, ``lock``, ``wipe``: the kiosk's keys for sealed personal data.

Exit codes: 0 done, 1 refused or failed (the reason on stderr), 2 usage.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kiosk.paths import add_data_argument, data_dir

MIN_PASSPHRASE = 8


def register(subparsers: argparse._SubParsersAction) -> None:
    keys = subparsers.add_parser("keys", help="the kiosk's keys for sealing visitors' personal data",
                                 description="Create the keys that seal visitors' personal data at rest.")
    keys_sub = keys.add_subparsers(dest="keys_command", metavar="ACTION")
    init = keys_sub.add_parser(
        "init", help="create the kiosk's keys",
        description="Create the kiosk's key pair; the private key is stored only wrapped by the show "
                    "passphrase (Argon2id) and, when enrolled, by a key central keeps for this device. "
                    "Leads already stored are sealed. Refuses if keys exist, unless --rotate.")
    add_data_argument(init)
    init.add_argument("--passphrase-stdin", action="store_true",
                      help="read the show passphrase from the first line of standard input (required)")
    init.add_argument("--rotate", action="store_true",
                      help="add a new key generation (new leads use it; older leads stay readable with "
                           "the passphrase they were sealed under, or through central)")
    init.set_defaults(func=cmd_keys_init)
    keys.set_defaults(func=lambda args: (keys.print_help(), 2)[1])

    unlock = subparsers.add_parser(
        "unlock", help="unlock the running kiosk (passphrase, or through central)",
        description="Unlock the running kiosk's personal data: with --passphrase-stdin by the show "
                    "passphrase, otherwise through central (enrolled and not revoked).")
    add_data_argument(unlock)
    unlock.add_argument("--passphrase-stdin", action="store_true",
                        help="read the show passphrase from the first line of standard input")
    unlock.set_defaults(func=cmd_unlock)

    lock = subparsers.add_parser("lock", help="lock the running kiosk (drop its key from memory)",
                                 description="Lock the running kiosk: the private key leaves its memory.")
    add_data_argument(lock)
    lock.set_defaults(func=cmd_lock)

    wipe = subparsers.add_parser(
        "wipe", help="destroy the kiosk's keys (crypto-shredding) once central holds every lead",
        description="Destroy the key file, so the sealed personal data on this card can no longer be "
                    "read by anyone. First says what central holds: refuses while leads are not "
                    "confirmed by central, unless --force. Asks to type WIPE on a terminal.")
    add_data_argument(wipe)
    wipe.add_argument("--force", action="store_true",
                      help="wipe even though central has not confirmed every lead (they are lost)")
    wipe.set_defaults(func=cmd_wipe)


def _err(message: str) -> None:
    print(f"error: {message}", file=sys.stderr, flush=True)


def read_passphrase(stdin: Any = None) -> str:
    """The first line of standard input, without its line break (spaces are kept: they may be
    part of a passphrase). Raises ValueError when there is none."""
    line = (stdin or sys.stdin).readline()
    passphrase = line.rstrip("\r\n")
    if not passphrase:
        raise ValueError("no passphrase on standard input (expected it on the first line)")
    return passphrase


def unlock_store(store: Any, passphrase: str) -> None:
    """Unlock an opened store's sealer with the passphrase (a store without keys has nothing to
    unlock). Raises WrongPassphrase."""
    from kiosk.seal import KeySealer

    sealer = store.sealer
    if isinstance(sealer, KeySealer):
        sealer.unlock_passphrase(passphrase)
    else:
        print("note: this data directory has no keys; its leads are stored as they are", file=sys.stderr)


def cmd_keys_init(args: argparse.Namespace) -> int:
    from kiosk.errors import KioskError
    from kiosk.seal import Keyring
    from kiosk.seal.central_link import register_with_central
    from kiosk.seal.keyring import KDF_MEMLIMIT, KDF_OPSLIMIT, is_wiped
    from kiosk.store import open_store
    from sync.errors import SyncError

    root = data_dir(args.data)
    if not args.passphrase_stdin:
        _err("give the show passphrase on standard input with --passphrase-stdin")
        return 2
    try:
        passphrase = read_passphrase()
    except ValueError as exc:
        _err(str(exc))
        return 1
    if len(passphrase) < MIN_PASSPHRASE:
        _err(f"the show passphrase must have at least {MIN_PASSPHRASE} characters")
        return 1
    try:
        existing = None if is_wiped(root) else Keyring.load(root)
        if existing is not None and not args.rotate:
            _err(f"{existing.path}: this kiosk already has keys; `keys init --rotate` adds a new generation")
            return 1
        ring, private = Keyring.create(root, passphrase, previous=existing)
        ring.save()
        kid = ring.active["kid"]
        print(f"keys {'rotated' if existing else 'created'}: {kid} in {ring.path} (private key wrapped by the "
              f"show passphrase, Argon2id opslimit={KDF_OPSLIMIT} memlimit={KDF_MEMLIMIT // (1024 * 1024)} MiB)")
        try:
            print(register_with_central(root, ring, {kid: private}))
        except KioskError as exc:
            print(f"central: {exc}; unlocking needs the show passphrase until the kiosk is enrolled "
                  "(it registers at the next passphrase unlock while online)")
        except SyncError as exc:
            print(f"central: not registered now ({exc}); it registers at the next passphrase unlock while online")
        store = open_store(root)  # seals leads stored before there were keys
        try:
            print(f"{store.count()} lead(s) in the store; personal data sealed")
        finally:
            store.close()
    except KioskError as exc:
        _err(str(exc))
        return 1
    return 0


def _ask_running_kiosk(data: str | None, message: dict[str, Any]) -> int:
    """Send one control message to the running kiosk and print its answer: unlock and lock differ
    only in the message."""
    from kiosk.errors import KioskError
    from kiosk.seal.control import request

    try:
        answer = request(data_dir(data), message)
    except KioskError as exc:
        _err(str(exc))
        return 1
    if not answer.get("ok"):
        _err(str(answer.get("message")))
        return 1
    print(answer.get("message"))
    return 0


def cmd_unlock(args: argparse.Namespace) -> int:
    message: dict[str, Any] = {"op": "unlock"}
    if args.passphrase_stdin:
        try:
            message["passphrase"] = read_passphrase()
        except ValueError as exc:
            _err(str(exc))
            return 1
    return _ask_running_kiosk(args.data, message)


def cmd_lock(args: argparse.Namespace) -> int:
    return _ask_running_kiosk(args.data, {"op": "lock"})


def cmd_wipe(args: argparse.Namespace) -> int:
    from kiosk.errors import KioskError
    from kiosk.seal import keys_path, shred
    from kiosk.seal.keyring import is_wiped
    from kiosk.store import open_store
    from sync.enrollment import load_credentials

    root = data_dir(args.data)
    if not keys_path(root).exists() or is_wiped(root):
        _err(f"{keys_path(root)}: no keys to wipe")
        return 1
    try:
        creds = load_credentials(Path(root))
    except Exception as exc:  # noqa: BLE001 - a damaged central.json: say it, treat as not enrolled
        print(f"note: {exc}", file=sys.stderr)
        creds = None
    try:
        store = open_store(root)
        try:
            total = store.count()
            status = store.sync_status(["central"])["central"]
        finally:
            store.close()
    except KioskError as exc:
        _err(str(exc))
        return 1
    unconfirmed = total - status["sent"]
    where = f"central {creds.url} ({creds.device_id})" if creds else "no central system (not enrolled)"
    print(f"{total} lead(s) on this kiosk; {where} has confirmed {status['sent']}; "
          f"{unconfirmed} not confirmed ({status['pending']} pending, {status['parked']} parked)")
    if unconfirmed and not args.force:
        _err(f"{unconfirmed} lead(s) are not confirmed by central and would be lost: sync first "
             "(`leadkiosk sync`), or give --force")
        return 1
    if sys.stdin.isatty():
        answer = input("type WIPE to destroy this kiosk's keys: ")
        if answer.strip() != "WIPE":
            _err("not wiped")
            return 1
    try:
        shred(root)
    except OSError as exc:
        _err(f"cannot destroy {keys_path(root)}: {exc}")
        return 1
    print(f"wiped: the key file is destroyed; the personal data of {total} lead(s) on this card can no longer "
          "be read by anyone. `leadkiosk keys init` makes new keys before the next capture.")
    return 0
