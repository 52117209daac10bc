"""Low-level durable file operations and the on-disk line format of the lead store.

Kept apart from the journal logic so the crash-safety rules (write, flush, fsync, rename, fsync
the directory) live in one place and are easy to audit.
"""
from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import zlib
from pathlib import Path
from typing import Any

from sync.atomicfile import fsync_dir  # noqa: F401  (re-exported for the journal)
from kiosk.errors import StoreError


try:  # 3-5x faster; opening 10,000 leads is dominated by JSON parsing
    import orjson as _orjson
except ImportError:  # pragma: no cover - orjson is a dependency; stay correct without it
    _orjson = None


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON. Same bytes with or without orjson for the JSON the store accepts
    (NaN/Infinity are refused earlier by ``record.json_copy``)."""
    if _orjson is not None:
        try:
            return _orjson.dumps(value)
        except TypeError:  # e.g. integers beyond 64 bits: let json decide
            pass
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def loads(data: bytes | str) -> Any:
    if _orjson is not None:
        try:
            return _orjson.loads(data)
        except _orjson.JSONDecodeError:
            pass  # fall through: json gives the error message (or parses what orjson refuses)
    return json.loads(data)


def encode_line(value: Any) -> bytes:
    """One journal line: ``<crc32 hex8> <json>\\n``. The checksum tells a torn or bit-rotted line
    from a good one, which JSON parsing alone cannot (a truncated object can still parse)."""
    body = dumps(value)
    return b"%08x " % zlib.crc32(body) + body + b"\n"


def decode_line(line: bytes) -> Any:
    """Inverse of :func:`encode_line`; raises ValueError on any damage."""
    if len(line) < 10 or line[8:9] != b" ":
        raise ValueError("malformed line")
    body = line[9:]
    if int(line[:8], 16) != zlib.crc32(body):
        raise ValueError("checksum mismatch")
    return loads(body)


def describe_os_error(action: str, path: Path | str, exc: OSError) -> str:
    """Turn an OSError into the sentence the kiosk screen shows."""
    hints = {
        errno.ENOSPC: "the disk is full: free some space; leads already saved are safe",
        errno.EDQUOT: "the disk quota is exhausted; leads already saved are safe",
        errno.EROFS: "the file system is read-only (SD card write-protected or remounted read-only); "
                     "leads already saved are safe",
        errno.EACCES: "permission denied: the kiosk user cannot write there",
        errno.EPERM: "operation not permitted",
        errno.ENOENT: "the directory does not exist (storage unmounted?)",
        errno.EIO: "input/output error: the storage device is failing or was removed",
        errno.EFBIG: "the file is too large for this file system or the process limit",
    }
    why = hints.get(exc.errno or 0, exc.strerror or str(exc))
    return f"cannot {action} {path}: {why} [{errno.errorcode.get(exc.errno or 0, exc.errno)}]"


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def atomic_write(path: Path, data: bytes) -> None:
    """Write a whole file so that a crash leaves either the old or the new content, never a mix:
    temp file, write, fsync, rename over, fsync the directory. Raises OSError."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    try:
        with contextlib.suppress(PermissionError):  # exactly 0640 whatever the umask; FAT refuses
            os.fchmod(fd, 0o640)
        write_all(fd, data)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        _unlink_quietly(tmp)
        raise
    os.close(fd)
    try:
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    fsync_dir(path.parent)


def preserve_copy(src: Path, dst: Path) -> None:
    """Give ``src``'s current content a second name without copying where possible (hard link),
    so moving a damaged file aside never rewrites a byte of it."""
    try:
        os.link(src, dst)
    except FileExistsError:
        os.unlink(dst)
        os.link(src, dst)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP):
            raise
        shutil.copy2(src, dst)


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def store_error(action: str, path: Path | str, exc: OSError) -> StoreError:
    err = StoreError(describe_os_error(action, path, exc))
    err.errno = exc.errno  # type: ignore[attr-defined]
    return err
