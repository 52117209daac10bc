"""The storage check against fake mount tables (/proc/mounts format), pikvm-style: the kiosk
must refuse to keep leads in a RAM overlay and accept a persistent partition or USB stick."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk.deploy.errors import StorageError
from kiosk.deploy.storage import check_data_dir, mount_for, read_mounts, root_is_overlay
from kiosk.cli import main
from pi_helpers import OVERLAY_ROOT, PLAIN_ROOT, mounts_text


def _mounts(tmp_path: Path, *lines: str) -> Path:
    p = tmp_path / "mounts"
    p.write_text(mounts_text(*lines))
    return p


def test_overlay_root_is_detected_and_refused(tmp_path: Path) -> None:
    mounts = read_mounts(_mounts(tmp_path, *OVERLAY_ROOT))
    assert root_is_overlay(mounts)
    with pytest.raises(StorageError, match="root file system is a RAM overlay.*data_dir = \"/mnt/leads\""):
        check_data_dir(Path("/var/lib/leadkiosk"), mounts)


def test_plain_sd_card_is_fine(tmp_path: Path) -> None:
    mounts = read_mounts(_mounts(tmp_path, *PLAIN_ROOT))
    assert not root_is_overlay(mounts)
    assert check_data_dir(Path("/var/lib/leadkiosk"), mounts).source == "/dev/mmcblk0p2"


def test_usb_stick_under_overlay_root_is_accepted(tmp_path: Path) -> None:
    stick = tmp_path / "mnt leads"  # a space: /proc/mounts writes it as \040
    stick.mkdir()
    escaped = str(stick).replace(" ", "\\040")
    mounts = read_mounts(_mounts(tmp_path, *OVERLAY_ROOT, f"/dev/sda1 {escaped} ext4 rw,relatime 0 0"))
    assert check_data_dir(stick / "leads", mounts, own_mount=True).source == "/dev/sda1"
    # the canonical path as a symlink to the stick is followed
    link = tmp_path / "leadkiosk"
    os.symlink(stick, link)
    assert check_data_dir(link, mounts, own_mount=True).mountpoint == str(stick)


@pytest.mark.parametrize("line,why", [
    ("tmpfs {p} tmpfs rw 0 0", "on a tmpfs file system"),
    ("/dev/zram1 {p} ext4 rw 0 0", "on a ext4 file system"),     # zram: RAM even with ext4 on it
    ("/dev/sda1 {p} ext4 ro,relatime 0 0", "mounted read-only"),
])
def test_volatile_or_readonly_mounts_are_refused(tmp_path: Path, line: str, why: str) -> None:
    mounts = read_mounts(_mounts(tmp_path, *PLAIN_ROOT, line.format(p="/mnt/leads")))
    with pytest.raises(StorageError, match=why):
        check_data_dir(Path("/mnt/leads"), mounts, own_mount=True)


def test_unmounted_stick_is_refused_when_separate_storage_was_asked_for(tmp_path: Path) -> None:
    mounts = read_mounts(_mounts(tmp_path, *PLAIN_ROOT))
    with pytest.raises(StorageError, match="not on a storage device of its own.*plugged in and mounted"):
        check_data_dir(Path("/mnt/leads"), mounts, own_mount=True)


def test_overmount_and_longest_prefix() -> None:
    from kiosk.deploy.storage import Mount
    mounts = [Mount("/dev/a", "/", "ext4", ("rw",)), Mount("/dev/b", "/mnt", "ext4", ("rw",)),
              Mount("tmpfs", "/mnt", "tmpfs", ("rw",)), Mount("/dev/c", "/mnt/le", "ext4", ("rw",))]
    assert mount_for("/mnt/leads", mounts).source == "tmpfs"   # the later mount shadows /dev/b
    assert mount_for("/mnt/le/x", mounts).source == "/dev/c"


def test_check_storage_command_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    overlay = _mounts(tmp_path, *OVERLAY_ROOT)
    assert main(["provision", "--check-storage", "--data", "/var/lib/leadkiosk", "--mounts", str(overlay)]) == 3
    assert "refusing data directory /var/lib/leadkiosk" in capsys.readouterr().err
    plain = tmp_path / "plain"
    plain.write_text(mounts_text(*PLAIN_ROOT))
    assert main(["provision", "--check-storage", "--data", "/var/lib/leadkiosk", "--mounts", str(plain)]) == 0
    assert "storage ok" in capsys.readouterr().out
