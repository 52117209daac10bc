"""What ``deploy/pi/install.sh`` asks Python before the kiosk's venv exists: it runs this with
the system's ``python3`` and ``PYTHONPATH`` at the checkout (stdlib only), so the installer and
first-boot provisioning share one parser, one storage check and one Kivy profile renderer instead
of a second copy in shell.

    python3 -m kiosk.deploy.installhelper boot-settings FILE      # shell assignments
    python3 -m kiosk.deploy.installhelper check-storage DIR MOUNTS [own]
    python3 -m kiosk.deploy.installhelper kivy-config DISPLAY ROTATION
"""
from __future__ import annotations

import shlex
import sys
from pathlib import Path

from kiosk.deploy.bootconfig import load_boot_config
from kiosk.deploy.errors import BootConfigError, StorageError
from kiosk.deploy.kivyconfig import kivy_config_text
from kiosk.deploy.storage import check_data_dir, read_mounts


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[0], argv[1:]
    try:
        if cmd == "boot-settings" and len(args) == 1:
            cfg = load_boot_config(Path(args[0]))
            for key, value in (("BOOT_DISPLAY", cfg.display), ("BOOT_ROTATION", str(cfg.rotation)),
                               ("BOOT_DATA_DIR", cfg.data_dir or "")):
                print(f"{key}={shlex.quote(value)}")
            return 0
        if cmd == "check-storage" and len(args) in (2, 3):
            m = check_data_dir(Path(args[0]), read_mounts(Path(args[1])), own_mount=args[2:] == ["own"])
            print(f"{m.mountpoint} ({m.fstype} on {m.source})")
            return 0
        if cmd == "kivy-config" and len(args) == 2:
            sys.stdout.write(kivy_config_text(args[0], int(args[1])))
            return 0
    except BootConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    except StorageError as exc:
        print(exc, file=sys.stderr)
        return 3
    print(f"installhelper: bad arguments: {argv}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
