"""install.sh against a fake target root: what --dry-run promises, that a real run does it, and
that a second run finds nothing to change (the venv is real, built from a small real wheel)."""
from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from pi_helpers import PI, REPO, mounts_text, OVERLAY_ROOT, PLAIN_ROOT, run_install

from kiosk.deploy.kivyconfig import kivy_config_text

UNITS = ("leadkiosk-kiosk.service", "leadkiosk-firstboot.service", "leadkiosk-enroll.service")


def _changes(out: str, word: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(f"[install] {word}: ")]


def test_dry_run_lists_every_change_and_changes_nothing(fake_root: Path, wheels: dict[str, Path]) -> None:
    before = sorted(str(p.relative_to(fake_root)) for p in fake_root.rglob("*"))
    cp = run_install(fake_root, "--dry-run", "--wheel", str(wheels["good1"]))
    assert cp.returncode == 0, cp.stderr
    would = _changes(cp.stdout, "would")
    text = "\n".join(would)
    for expected in ("install /etc/sysusers.d/leadkiosk.conf", "create system user leadkiosk (groups video input render audio)",
                     "install /etc/tmpfiles.d/leadkiosk.conf", "create the data directory /var/lib/leadkiosk",
                     "install /etc/leadkiosk/kivy/config.ini", "build /opt/leadkiosk/venvs/9.9.1",
                     "link /opt/leadkiosk/current -> venvs/9.9.1",
                     "link /usr/local/bin/leadkiosk -> /opt/leadkiosk/current/bin/leadkiosk",
                     "install /etc/systemd/journald.conf.d/50-leadkiosk.conf",
                     "install /usr/local/lib/leadkiosk/usb-mount.sh", "install /etc/udev/rules.d/99-leadkiosk-usb.rules",
                     "install /etc/systemd/system/leadkiosk-usb-mount@.service",
                     "set consoleblank=0 vt.global_cursor_default=0 in /boot/firmware/cmdline.txt"):
        assert expected in text, f"missing {expected!r} in:\n{text}"
    for unit in UNITS:
        assert f"install /etc/systemd/system/{unit}" in text
        assert f"enable {unit}" in text
    assert f"{len(would)} changes would be made (dry run" in cp.stdout
    assert not _changes(cp.stdout, "change")
    after = sorted(str(p.relative_to(fake_root)) for p in fake_root.rglob("*"))
    assert after == before  # nothing written, not even a directory


def test_install_then_second_run_changes_nothing(fake_root: Path, wheels: dict[str, Path]) -> None:
    cp = run_install(fake_root, "--wheel", str(wheels["good1"]))
    assert cp.returncode == 0, cp.stdout + cp.stderr
    made = _changes(cp.stdout, "change")
    assert len(made) >= 15 and f"{len(made)} changes made" in cp.stdout

    # the result, checked in the files themselves
    passwd = (fake_root / "etc/passwd").read_text()
    assert "\nleadkiosk:x:" in passwd and ":/usr/sbin/nologin" in passwd
    uid = int(next(line for line in passwd.splitlines() if line.startswith("leadkiosk:")).split(":")[2])
    groups = {line.split(":")[0]: line.split(":")[3] for line in (fake_root / "etc/group").read_text().splitlines()}
    for g in ("video", "input", "render", "audio"):
        assert "leadkiosk" in groups[g].split(","), g
    data = fake_root / "var/lib/leadkiosk"
    st = data.stat()
    assert stat.S_ISDIR(st.st_mode) and st.st_uid == uid and stat.S_IMODE(st.st_mode) == 0o750
    current = fake_root / "opt/leadkiosk/current"
    assert os.readlink(current) == "venvs/9.9.1"
    out = subprocess.run([str(current / "bin/leadkiosk"), "--version"], capture_output=True, text=True)
    assert out.stdout.strip() == "leadkiosk 9.9.1"
    cfg = (fake_root / "opt/leadkiosk/venvs/9.9.1/pyvenv.cfg").read_text()
    assert "include-system-site-packages = true" in cfg  # picamera2 comes from apt
    assert (fake_root / "etc/leadkiosk/kivy/config.ini").read_text() == kivy_config_text("hdmi", 0)
    for unit in UNITS:
        assert (fake_root / "etc/systemd/system" / unit).read_bytes() == (PI / "systemd" / unit).read_bytes()
        assert (fake_root / "etc/systemd/system/multi-user.target.wants" / unit).is_symlink()
    assert "consoleblank=0 vt.global_cursor_default=0" in (fake_root / "boot/firmware/cmdline.txt").read_text()

    again = run_install(fake_root, "--wheel", str(wheels["good1"]))
    assert again.returncode == 0, again.stderr
    assert not _changes(again.stdout, "change"), again.stdout
    assert again.stdout.rstrip().endswith("[install] nothing to change")

    # one file drifts: exactly that is repaired
    unit = fake_root / "etc/systemd/system/leadkiosk-kiosk.service"
    unit.write_text(unit.read_text().replace("WatchdogSec=30", "WatchdogSec=0"))
    third = run_install(fake_root, "--wheel", str(wheels["good1"]))
    assert _changes(third.stdout, "change") == ["[install] change: update /etc/systemd/system/leadkiosk-kiosk.service"]
    assert "WatchdogSec=30" in unit.read_text()


def test_display_and_data_dir_come_from_the_boot_config(fake_root: Path, wheels: dict[str, Path], tmp_path: Path) -> None:
    (fake_root / "boot/firmware/leadkiosk.toml").write_text(
        'display = "touch-display-2"\nrotation = 90\ndata_dir = "/mnt/leads"\n')
    (fake_root / "boot/firmware/cmdline.txt").write_text("console=tty1 consoleblank=300 root=PARTUUID=1-02 rootwait\n")
    mounts = tmp_path / "mounts"
    mounts.write_text(mounts_text(*PLAIN_ROOT, "/dev/sda1 /mnt/leads ext4 rw,noatime 0 0"))
    cp = run_install(fake_root, "--wheel", str(wheels["good1"]), env={"LEADKIOSK_PROC_MOUNTS": str(mounts)})
    assert cp.returncode == 0, cp.stdout + cp.stderr
    assert "leads will live in /mnt/leads on /mnt/leads (ext4 on /dev/sda1)" in cp.stdout
    assert (fake_root / "etc/leadkiosk/kivy/config.ini").read_text() == kivy_config_text("touch-display-2", 90)
    assert os.readlink(fake_root / "var/lib/leadkiosk") == "/mnt/leads"
    assert (fake_root / "mnt/leads").is_dir()
    dropin = (fake_root / "etc/systemd/system/leadkiosk-kiosk.service.d/50-data-dir.conf").read_text()
    assert "RequiresMountsFor=/mnt/leads" in dropin
    assert (fake_root / "boot/firmware/cmdline.txt").read_text() == \
        "console=tty1 consoleblank=0 root=PARTUUID=1-02 rootwait vt.global_cursor_default=0\n"
    again = run_install(fake_root, "--wheel", str(wheels["good1"]), env={"LEADKIOSK_PROC_MOUNTS": str(mounts)})
    assert "[install] nothing to change" in again.stdout, again.stdout


@pytest.mark.parametrize("table,data_dir,why", [
    (OVERLAY_ROOT, None, "the root file system is a RAM overlay"),
    (OVERLAY_ROOT + ("tmpfs /mnt/leads tmpfs rw 0 0",), "/mnt/leads", "on a tmpfs file system"),
    (PLAIN_ROOT, "/mnt/leads", "not on a storage device of its own"),
])
def test_installer_refuses_leads_in_ram(fake_root: Path, wheels: dict[str, Path], tmp_path: Path,
                                        table: tuple[str, ...], data_dir: str | None, why: str) -> None:
    if data_dir:
        (fake_root / "boot/firmware/leadkiosk.toml").write_text(f'data_dir = "{data_dir}"\n')
    mounts = tmp_path / "mounts"
    mounts.write_text(mounts_text(*table))
    before = sorted(p.name for p in fake_root.rglob("*"))
    cp = run_install(fake_root, "--wheel", str(wheels["good1"]), env={"LEADKIOSK_PROC_MOUNTS": str(mounts)})
    assert cp.returncode == 3, cp.stdout + cp.stderr
    assert why in cp.stderr and "refusing" in cp.stderr
    assert sorted(p.name for p in fake_root.rglob("*")) == before


def test_overlay_root_with_a_usb_stick_is_accepted(fake_root: Path, wheels: dict[str, Path], tmp_path: Path) -> None:
    (fake_root / "boot/firmware/leadkiosk.toml").write_text('data_dir = "/mnt/leads"\n')
    mounts = tmp_path / "mounts"
    mounts.write_text(mounts_text(*OVERLAY_ROOT, "/dev/sda1 /mnt/leads ext4 rw,relatime 0 0"))
    cp = run_install(fake_root, "--dry-run", "--wheel", str(wheels["good1"]), env={"LEADKIOSK_PROC_MOUNTS": str(mounts)})
    assert cp.returncode == 0, cp.stderr
    assert "leads will live in /mnt/leads" in cp.stdout


def test_bad_boot_config_stops_the_installer_naming_file_and_key(fake_root: Path, wheels: dict[str, Path]) -> None:
    (fake_root / "boot/firmware/leadkiosk.toml").write_text('display = "hdmi2"\n')
    cp = run_install(fake_root, "--dry-run", "--wheel", str(wheels["good1"]))
    assert cp.returncode == 2
    assert "leadkiosk.toml: display: expected one of 'official-7' | 'touch-display-2' | 'hdmi', got 'hdmi2'" in cp.stderr


def test_checkout_mode_dry_run_names_the_repo_version(fake_root: Path) -> None:
    cp = run_install(fake_root, "--dry-run")
    assert cp.returncode == 0, cp.stderr
    version = next(line.split('"')[1] for line in (REPO / "pyproject.toml").read_text().splitlines()
                   if line.startswith("version = "))
    assert f"install leadkiosk {version} from {REPO}" in cp.stdout


def test_unknown_display_option_is_refused_before_any_change(fake_root: Path) -> None:
    cp = run_install(fake_root, "--dry-run", "--display", "vga")
    assert cp.returncode == 2 and "--display: expected official-7, touch-display-2 or hdmi, got 'vga'" in cp.stderr
    assert "would:" not in cp.stdout
