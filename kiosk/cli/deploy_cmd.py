"""``leadkiosk provision`` and ``leadkiosk upgrade``: the Raspberry Pi deployment commands that
``deploy/pi/install.sh`` and the systemd units run (``kiosk.deploy`` holds the logic)."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from kiosk.paths import add_data_argument, data_dir

EXIT_CONFIG = 2


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "provision", help="apply leadkiosk.toml from the boot partition (settings, display, enrollment)",
        description="Read leadkiosk.toml from the boot partition, write the kiosk settings into the data "
                    "directory and the Kivy display profile, enroll with the central system when online, "
                    "and remove the secrets (enrollment code, staff PIN) from the boot partition. Exit "
                    "codes: 0 done, 2 the file is wrong, 65 the code was refused, 75 offline (retry), "
                    "3 the data directory would be lost at power-off.")
    p.add_argument("--boot-config", metavar="PATH", default=None,
                   help="provisioning file (default: $LEADKIOSK_BOOT_CONFIG or /boot/firmware/leadkiosk.toml)")
    add_data_argument(p)
    step = p.add_mutually_exclusive_group()
    step.add_argument("--no-enroll", action="store_true",
                      help="only the settings (the first-boot unit: the UI must not wait for the network)")
    step.add_argument("--enroll-only", action="store_true", help="only the enrollment (the retrying enroll unit)")
    step.add_argument("--check-storage", action="store_true",
                      help="only check that the data directory survives a power cut (the kiosk unit runs "
                           "this before every start)")
    p.add_argument("--restart-kiosk", action="store_true",
                   help="after a new enrollment, restart leadkiosk-kiosk.service so its sync starts "
                        "(the enroll unit uses this; the running app reads central.json only at start)")
    p.add_argument("--kivy-home", metavar="DIR", default=None,
                   help="where the Kivy display profile goes (default: $KIVY_HOME or /etc/leadkiosk/kivy)")
    p.add_argument("--mounts", metavar="FILE", default=None,
                   help="mount table to check the storage against (default: $LEADKIOSK_PROC_MOUNTS or /proc/mounts)")
    p.set_defaults(func=_provision)

    u = subparsers.add_parser(
        "upgrade", help="upgrade leadkiosk in place (new venv generation, rollback if it fails to start)",
        description="Install a new leadkiosk into /opt/leadkiosk/venvs/<version>, check it (--version, "
                    "imports, reading the leads), switch /opt/leadkiosk/current, restart the kiosk and roll "
                    "back to the previous version if it does not come up. Data and settings are not touched.")
    src = u.add_mutually_exclusive_group(required=True)
    src.add_argument("--wheel", metavar="PATH", help="a leadkiosk wheel, e.g. on a USB stick (other wheels "
                                                     "in its folder are used for dependencies)")
    src.add_argument("--index", action="store_true", help="the newest leadkiosk from the package index")
    add_data_argument(u)
    u.add_argument("--prefix", metavar="DIR", default=None,
                   help="install prefix (default: $LEADKIOSK_PREFIX or /opt/leadkiosk)")
    u.add_argument("--no-restart", action="store_true", help="switch but do not restart the kiosk unit")
    u.add_argument("--ready-timeout", type=float, default=120.0, metavar="S",
                   help="seconds for the kiosk to report READY after the restart (default 120)")
    u.add_argument("--settle", type=float, default=10.0, metavar="S",
                   help="seconds the restarted kiosk must stay up without systemd restarting it (default 10)")
    u.add_argument("--force", action="store_true", help="reinstall even if this version is current")
    u.set_defaults(func=_upgrade)


def _env_path(value: str | None, env: str, default: str) -> Path:
    return Path(value or os.environ.get(env) or default)


def _provision(args: argparse.Namespace) -> int:
    from kiosk.deploy.bootconfig import DEFAULT_BOOT_CONFIG, load_boot_config
    from kiosk.deploy.errors import StorageError
    from kiosk.errors import ConfigError
    from kiosk.deploy.kivyconfig import DEFAULT_KIVY_HOME
    from kiosk.deploy.provision import (EX_DATAERR, EX_TEMPFAIL, EnrollPending, EnrollRefused, apply_settings,
                                        check_storage, enroll_step)

    ddir = data_dir(args.data)
    mounts = _env_path(args.mounts, "LEADKIOSK_PROC_MOUNTS", "/proc/mounts")
    if args.check_storage:
        try:
            where = check_storage(ddir, mounts)
        except StorageError as exc:
            print(f"leadkiosk: {exc}", file=sys.stderr)
            return 3
        print(f"storage ok: {ddir} on {where}")
        return 0
    boot = _env_path(args.boot_config, "LEADKIOSK_BOOT_CONFIG", str(DEFAULT_BOOT_CONFIG))
    kivy_home = _env_path(args.kivy_home, "KIVY_HOME", DEFAULT_KIVY_HOME)
    try:
        cfg = load_boot_config(boot)
        changed = 0
        if not args.enroll_only:
            changed += _print_report(apply_settings(cfg, ddir, kivy_home, mounts))
        if not args.no_enroll:
            report = enroll_step(cfg, ddir)
            changed += _print_report(report)
            if args.restart_kiosk and any(c.startswith("enrolled with") for c in report.changes):
                _restart_kiosk()
    except ConfigError as exc:  # leadkiosk.toml, or kiosk.toml refusing a value
        print(f"leadkiosk provision: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except StorageError as exc:
        print(f"leadkiosk provision: {exc}", file=sys.stderr)
        return 3
    except EnrollPending as exc:
        print(f"leadkiosk provision: {exc}", file=sys.stderr)
        return EX_TEMPFAIL
    except EnrollRefused as exc:
        print(f"leadkiosk provision: {exc}", file=sys.stderr)
        return EX_DATAERR
    if not changed:
        print("nothing to change")
    return 0


def _restart_kiosk() -> None:
    import subprocess
    systemctl = os.environ.get("LEADKIOSK_SYSTEMCTL", "systemctl")
    try:
        cp = subprocess.run([systemctl, "try-restart", "--no-block", "leadkiosk-kiosk.service"],
                            capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"leadkiosk provision: could not restart the kiosk ({exc}); sync starts at the next boot",
              file=sys.stderr)
        return
    if cp.returncode == 0:
        print("change: restart leadkiosk-kiosk.service (its sync starts now)")
    else:
        print(f"leadkiosk provision: restarting the kiosk failed: {cp.stderr.strip()}", file=sys.stderr)


def _print_report(report) -> int:  # type: ignore[no-untyped-def]
    """Printed step by step, so the settings already applied show even if enrollment then fails."""
    for line in report.notes:
        print(f"ok: {line}", flush=True)
    for line in report.changes:
        print(f"change: {line}", flush=True)
    return len(report.changes)


def _upgrade(args: argparse.Namespace) -> int:
    from kiosk.deploy.errors import UpgradeError
    from kiosk.deploy.upgrade import Commands, Layout, resolve_index_version, upgrade, wheel_version

    layout = Layout(_env_path(args.prefix, "LEADKIOSK_PREFIX", "/opt/leadkiosk"))
    cmds = Commands(python=os.environ.get("LEADKIOSK_PYTHON", "/usr/bin/python3"),
                    systemctl=os.environ.get("LEADKIOSK_SYSTEMCTL", "systemctl"))
    pip_args: list[str] = []
    downloaded: Path | None = None
    try:
        if args.wheel:
            wheel = Path(args.wheel).resolve()
            if not wheel.is_file():
                print(f"leadkiosk upgrade: {wheel}: no such wheel file", file=sys.stderr)
                return 2
            version = wheel_version(wheel)
            pip_args = ["--find-links", str(wheel.parent)]  # a wheelhouse on the stick works offline
            requirement = [f"{wheel}[kiosk]"]
        else:
            version, wheel = resolve_index_version(cmds)
            downloaded = wheel.parent
            requirement = [f"{wheel}[kiosk]"]  # a kiosk generation: the kiosk's extra, no server stack
        result = upgrade(layout, version, requirement, cmds, pip_args=pip_args, data_dir=data_dir(args.data),
                         restart=not args.no_restart, ready_timeout=args.ready_timeout,
                         settle_s=args.settle, force=args.force)
    except UpgradeError as exc:
        print(f"leadkiosk upgrade: {exc}", file=sys.stderr)
        print("leadkiosk upgrade: nothing was switched; the running version is unchanged", file=sys.stderr)
        return 1
    finally:
        if downloaded is not None:
            import shutil
            shutil.rmtree(downloaded, ignore_errors=True)
    for line in result.log:
        print(line)
    print(f"{result.status}: {result.previous or '-'} -> {result.version}")
    return 0 if result.status in ("upgraded", "unchanged") else 1
