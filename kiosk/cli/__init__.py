"""The ``leadkiosk`` command line: a contract that scripts and outside checks drive.

Each area registers its own subcommands from its own module (``register(subparsers)``), so the
parser is assembled here and nowhere else. Handlers import heavy libraries (Kivy, OpenCV, FastAPI)
lazily, so ``leadkiosk score`` does not pay for the UI.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

# Modules that define ``register(subparsers: argparse._SubParsersAction) -> None``.
COMMAND_MODULES: tuple[str, ...] = (
    "kiosk.cli.forms_cmd",    # form check, score
    "kiosk.cli.scan_cmd",     # decode, parse-badge
    "kiosk.cli.card_cmd",     # read-card
    "kiosk.cli.store_cmd",    # capture, leads list|show|export, export, rescore, purge
    "kiosk.cli.keys_cmd",     # keys init, unlock, lock, wipe
    "kiosk.cli.app_cmd",      # run, screenshots
    "kiosk.cli.sync_cmd",     # sync, sync status, enroll
    "central.cli",            # central serve|leads|enroll-code|...
    "kiosk.cli.deploy_cmd",   # provision, upgrade
)


# A command whose extra is not installed (a Pi has no FastAPI, a central server no Kivy) fails with
# one line naming the extras instead of a traceback; the packages themselves are never optional.
_OWN_PACKAGES = frozenset({"kiosk", "forms", "sync", "central"})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leadkiosk",
        description="Offline-first lead-capture kiosk for trade-show booths.",
    )
    parser.add_argument("--version", action="version", version="leadkiosk 0.1.0")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    parser.set_defaults(_commands=sub.choices)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        if args.command is None and "run" in args._commands:  # bare ``leadkiosk`` starts the kiosk
            return main(["run"])
        parser.print_help()
        return 2
    try:
        return int(func(args) or 0)
    except ModuleNotFoundError as exc:
        if exc.name is None or "." in exc.name or exc.name.split(".")[0] in _OWN_PACKAGES:
            raise  # a bug in this program, not a missing extra
        print(f"leadkiosk {args.command}: needs the Python package that provides '{exc.name}', which is not "
              f"installed here. The kiosk needs pip install 'leadkiosk[kiosk]', the central server "
              f"pip install 'leadkiosk[central]'.", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
