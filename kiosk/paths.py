"""Where the kiosk keeps its data. One rule for every command: ``--data`` beats ``LEADKIOSK_DATA``
beats the platform default (``/var/lib/leadkiosk`` on a Pi, the per-user data directory elsewhere)."""
from __future__ import annotations

import os
from pathlib import Path

PI_DATA_DIR = Path("/var/lib/leadkiosk")


def is_raspberry_pi(model_file: Path = Path("/proc/device-tree/model")) -> bool:
    try:
        return "Raspberry Pi" in model_file.read_text(errors="replace")
    except OSError:
        return False


def default_data_dir() -> Path:
    if is_raspberry_pi():
        return PI_DATA_DIR
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "leadkiosk"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """Resolve (not create) the data directory: creating it is the store's job, so a missing
    directory on a read-only system is reported where it matters."""
    if override:
        return Path(override)
    env = os.environ.get("LEADKIOSK_DATA")
    if env:
        return Path(env)
    return default_data_dir()


def add_data_argument(parser) -> None:  # type: ignore[no-untyped-def]
    """Every command that touches the kiosk's data takes the same ``--data DIR``."""
    parser.add_argument("--data", metavar="DIR", default=None,
                        help="data directory (default: $LEADKIOSK_DATA, /var/lib/leadkiosk on a Pi, "
                             "else the per-user data directory)")
