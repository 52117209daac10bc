"""Writing a small file so that a pulled power cord leaves the old content or the new, never a
mix: settings, enrollment credentials, pulled show config, the boot partition's provisioning file.

One implementation for all of them, because every variant that grew separately missed a step (a
directory fsync here, a permission set too late there). The lead store has its own, stricter
writer (``kiosk/store/files.py``): it runs under the store's lock, uses a fixed temp name its
recovery knows, and must raise on every error; it shares ``fsync_dir`` from here.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO


def fsync_dir(path: str | os.PathLike[str], *, strict: bool = True) -> None:
    """Make a rename or a new name in ``path`` durable: without it a power cut can undo the rename.
    ``strict=False`` tolerates file systems that refuse fsync on a directory (vfat on old kernels)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        if strict:
            raise


def atomic_write(path: str | os.PathLike[str], data: bytes | str, mode: int | None = 0o600) -> None:
    """Temp file beside ``path``, write, fsync, rename over, fsync the directory. ``mode`` is set on
    the temp file before the first byte, so a secret is never readable by others, even briefly;
    ``None`` leaves mkstemp's 0600 (for FAT, which refuses chmod). Raises OSError; the old file is
    untouched and no temp file is left behind when it does."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fsync_dir(target.parent, strict=False)


PRIVATE = 0o640  # owner reads and writes, the service's group reads (backup, support), others nothing


def open_private(path: str | os.PathLike[str], *, append: bool = False, mode: int = PRIVATE) -> BinaryIO:
    """Open ``path`` for binary writing (truncate, or ``append``) with exactly ``mode``, whatever
    the umask, the directory's mode or the file's mode from before: every file that holds
    personal data (exports, the roster, the store's recovery log) goes through here. ``os.open``
    alone only narrows the mode (umask) and leaves an existing file's mode alone; the ``fchmod``
    sets it. File systems that refuse chmod (FAT on a USB stick) keep what they have."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    fd = os.open(path, flags, mode)
    try:
        try:
            os.fchmod(fd, mode)
        except PermissionError:
            pass
        return os.fdopen(fd, "ab" if append else "wb")
    except BaseException:
        os.close(fd)
        raise
