"""Finding a mounted USB stick: desktop automounters put them under ``/media/<user>/<label>`` or
``/run/media/<user>/<label>``; the Pi image's udev rule uses ``/media/<label>``."""
from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Iterable

DEFAULT_PATTERNS: tuple[str, ...] = ("/media/*/", "/media/*/*/", "/run/media/*/*/")


def _is_mount(path: Path) -> bool:
    try:
        return os.path.ismount(path)
    except OSError:
        return False


def find_usb_mounts(patterns: Iterable[str] = DEFAULT_PATTERNS, require_mount: bool = True) -> list[Path]:
    """Writable mount points, most recently mounted first (the stick just plugged in)."""
    found: dict[Path, float] = {}
    for pattern in patterns:
        for name in glob.glob(pattern):
            path = Path(name)
            if require_mount and not _is_mount(path):
                continue
            if not os.access(path, os.W_OK):
                continue
            try:
                found[path] = path.stat().st_mtime
            except OSError:
                continue
    # A mount point's parent (/media/user) is not a stick itself when a child is mounted under it.
    paths = [p for p in found if not any(q != p and p in q.parents for q in found)]
    return sorted(paths, key=lambda p: found[p], reverse=True)
