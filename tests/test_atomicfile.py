"""The shared small-file writer: whole old content or whole new content, secrets never readable
by others, and no temp files left behind."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sync import atomicfile


def test_writes_text_and_bytes_with_mode_from_the_first_byte(tmp_path: Path, monkeypatch) -> None:
    seen_modes = []
    real_fdopen = os.fdopen

    def spy(fd, *a, **kw):  # the mode when the first byte is about to be written
        seen_modes.append(stat.S_IMODE(os.fstat(fd).st_mode))
        return real_fdopen(fd, *a, **kw)

    monkeypatch.setattr(atomicfile.os, "fdopen", spy)
    target = tmp_path / "sub" / "central.json"
    atomicfile.atomic_write(target, '{"token": "s3cret"} äö', mode=0o600)
    assert target.read_text(encoding="utf-8") == '{"token": "s3cret"} äö'
    assert seen_modes == [0o600] and stat.S_IMODE(target.stat().st_mode) == 0o600
    atomicfile.atomic_write(target, b"new", mode=0o644)
    assert target.read_bytes() == b"new" and stat.S_IMODE(target.stat().st_mode) == 0o644


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "kiosk.toml"
    target.write_text("old = 1\n")

    def broken_replace(*_a, **_kw):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomicfile.os, "replace", broken_replace)
    with pytest.raises(OSError):
        atomicfile.atomic_write(target, "new = 2\n")
    assert target.read_text() == "old = 1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kiosk.toml"]


def test_fsync_dir_strictness(tmp_path: Path) -> None:
    atomicfile.fsync_dir(tmp_path)
    with pytest.raises(OSError):
        atomicfile.fsync_dir(tmp_path / "missing")
    atomicfile.fsync_dir(tmp_path / "missing", strict=False)
