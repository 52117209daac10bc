"""Is the lead data directory on storage that survives a power cut?

With Raspberry Pi OS's optional overlay file system (raspi-config, overlayroot) ``/`` is an
overlay whose upper layer is RAM: everything written under ``/var/lib/leadkiosk`` would vanish at
the next power-off, silently, after the screen said "saved". So the installer, provisioning and
every kiosk start refuse that, and accept a persistent partition or USB stick instead.
The mount table is read from a file (``/proc/mounts``) so tests can hand in a fake one.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from kiosk.deploy.errors import StorageError

PROC_MOUNTS = Path("/proc/mounts")
# File systems whose contents live in RAM (or are read-only images): never for leads.
VOLATILE_FSTYPES = frozenset({"tmpfs", "ramfs", "overlay", "overlayfs", "aufs", "devtmpfs", "squashfs",
                              "proc", "sysfs"})
_OCTAL = re.compile(r"\\([0-7]{3})")


@dataclass(frozen=True)
class Mount:
    source: str
    mountpoint: str
    fstype: str
    options: tuple[str, ...]

    @property
    def volatile(self) -> bool:
        return self.fstype in VOLATILE_FSTYPES or self.source.startswith("/dev/zram")

    @property
    def read_only(self) -> bool:
        return "ro" in self.options


def _unescape(field: str) -> str:
    # /proc/mounts writes space, tab, newline and backslash as \040, \011, \012, \134.
    return _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), field)


def read_mounts(path: Path = PROC_MOUNTS) -> list[Mount]:
    mounts = []
    for line in Path(path).read_text(errors="replace").splitlines():
        parts = line.split()
        if len(parts) < 4:
            continue
        mounts.append(Mount(_unescape(parts[0]), _unescape(parts[1]), parts[2], tuple(parts[3].split(","))))
    return mounts


def resolve(path: Path) -> str:
    """The real path (symlinks followed: ``/var/lib/leadkiosk`` may point at a USB stick)."""
    return os.path.realpath(os.fspath(path))


def mount_for(path: str, mounts: list[Mount]) -> Mount:
    """The mount a path lives on: the last-mounted, longest mount point containing it."""
    best: Mount | None = None
    for m in mounts:  # later lines shadow earlier ones at the same point (over-mounts)
        mp = m.mountpoint.rstrip("/") or "/"
        if path == mp or mp == "/" or path.startswith(mp + "/"):
            if best is None or len(mp) >= len(best.mountpoint.rstrip("/") or "/"):
                best = m
    if best is None:
        raise StorageError(f"{path}: no mount contains it (is /proc mounted?)")
    return best


def root_is_overlay(mounts: list[Mount]) -> bool:
    try:
        return mount_for("/", mounts).fstype in ("overlay", "overlayfs")
    except StorageError:
        return False


def check_data_dir(data_dir: Path, mounts: list[Mount], *, own_mount: bool = False) -> Mount:
    """Refuse a data directory whose leads would be lost at power-off; return its mount.

    ``own_mount``: the marketer asked for separate storage (``data_dir = "/mnt/leads"``); then the
    directory must be on a mount of its own, so an unplugged or unmounted stick is refused instead
    of quietly filling the SD card (or RAM) under the empty mount point.
    """
    real = resolve(data_dir)
    shown = str(data_dir) if real == str(data_dir) else f"{data_dir} (-> {real})"
    m = mount_for(real, mounts)
    if m.volatile:
        if m.mountpoint == "/" and m.fstype in ("overlay", "overlayfs"):
            raise StorageError(
                f"refusing data directory {shown}: the root file system is a RAM overlay (read-only root / "
                "overlay file system is on), so leads saved there would be lost at the next power-off. "
                "Put the leads on a persistent partition or USB stick: mount it (e.g. at /mnt/leads in "
                "/etc/fstab) and set data_dir = \"/mnt/leads\" in leadkiosk.toml, or turn the overlay file "
                "system off (sudo raspi-config > Performance > Overlay file system).")
        raise StorageError(
            f"refusing data directory {shown}: it is on a {m.fstype} file system mounted at {m.mountpoint} "
            "(kept in RAM), so leads saved there would be lost at the next power-off. Use a persistent "
            "partition or USB stick.")
    if own_mount and (m.mountpoint.rstrip("/") or "/") == "/":
        raise StorageError(
            f"refusing data directory {shown}: it is not on a storage device of its own (it is on the root "
            "file system). Is the USB stick or partition plugged in and mounted there? Add it to /etc/fstab "
            "(with the option nofail) and check with `findmnt " + real + "`.")
    if m.read_only:
        raise StorageError(f"refusing data directory {shown}: {m.mountpoint} is mounted read-only ({m.fstype})")
    return m
