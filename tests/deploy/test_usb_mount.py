"""deploy/pi/usb-mount.sh against real file systems on loop devices (as udev's service would run
it): a FAT stick is mounted at /media/<label> writable by the kiosk user, a stick listed in fstab
(lead storage) is left alone, and remove unmounts what add mounted."""
from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from pi_helpers import PI

SCRIPT = PI / "usb-mount.sh"


def _kernel_has(fs: str) -> bool:
    return any(line.split()[-1] == fs for line in Path("/proc/filesystems").read_text().splitlines())


@pytest.fixture(params=["vfat", "ext4"])
def stick(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A 16 MB stick image labelled "EXPO STICK" on a loop device. An ext4 stick's root belongs
    to the kiosk user (mkfs -E root_owner), as one prepared for the kiosk would."""
    fs = request.param
    if os.geteuid() != 0:
        pytest.skip("mounting needs root (CI runs as root)")
    mkfs = {"vfat": ["mkfs.vfat", "-n", "EXPO STICK"],
            "ext4": ["mkfs.ext4", "-q", "-L", "EXPO STICK", "-E", "root_owner={uid}:{gid}"]}[fs]
    if not shutil.which(mkfs[0]):
        pytest.skip(f"{mkfs[0]} not installed (apt-get install dosfstools)")
    if not _kernel_has(fs) and (not shutil.which("modprobe")
                                or subprocess.run(["modprobe", fs], capture_output=True).returncode != 0):
        pytest.skip(f"this kernel cannot mount {fs} (a container without the module); the Pi's can")
    nobody = pwd.getpwnam("nobody")
    img = tmp_path / "stick.img"
    with open(img, "wb") as f:
        f.truncate(16 * 1024 * 1024)
    argv = [a.format(uid=nobody.pw_uid, gid=nobody.pw_gid) for a in mkfs] + [str(img)]
    subprocess.run(argv, check=True, capture_output=True)
    cp = subprocess.run(["losetup", "-f", "--show", str(img)], capture_output=True, text=True)
    if cp.returncode != 0:
        pytest.skip(f"no loop devices here: {cp.stderr.strip()}")
    dev = cp.stdout.strip()
    try:
        yield dev, fs
    finally:
        subprocess.run(["umount", "-l", dev], capture_output=True)
        subprocess.run(["losetup", "-d", dev], capture_output=True)


def _run(action: str, name: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT), action, name], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=60)


def test_stick_is_mounted_for_the_kiosk_user_and_unmounted(stick: tuple[str, str], tmp_path: Path,
                                                           request: pytest.FixtureRequest) -> None:
    dev, _fs = stick
    name = Path(dev).name
    user = pwd.getpwnam("nobody")  # stands in for the leadkiosk user
    # /media must be reachable for the kiosk user (pytest's own tmp dirs are root-only)
    media = Path(tempfile.mkdtemp(prefix="leadkiosk-media-"))
    media.chmod(0o755)
    request.addfinalizer(lambda: shutil.rmtree(media, ignore_errors=True))
    state = tmp_path / "state"
    env = {"LEADKIOSK_USER": "nobody", "LEADKIOSK_MEDIA": str(media), "LEADKIOSK_USB_STATE": str(state),
           "LEADKIOSK_FSTAB": str(tmp_path / "fstab")}
    cp = _run("add", name, env)
    assert cp.returncode == 0, cp.stdout + cp.stderr
    target = media / "EXPO_STICK"
    assert os.path.ismount(target), cp.stdout
    st = target.stat()
    assert (st.st_uid, st.st_gid) == (user.pw_uid, user.pw_gid)
    opts = next(line.split()[3] for line in Path("/proc/mounts").read_text().splitlines() if line.split()[1] == str(target))
    assert {"nosuid", "nodev", "noexec"} <= set(opts.split(","))
    # the kiosk user can write its export there
    w = subprocess.run(["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups",
                        "sh", "-c", f"echo lead > '{target}/leads.csv'"], capture_output=True, text=True)
    assert w.returncode == 0, w.stderr
    assert _run("add", name, env).stdout.strip().endswith("is already mounted")  # udev may fire twice
    rm = _run("remove", name, env)
    assert rm.returncode == 0, rm.stderr
    assert not os.path.ismount(target) and not target.exists()
    assert not (state / name).exists()


def test_stick_listed_in_fstab_is_left_to_fstab(stick: tuple[str, str], tmp_path: Path) -> None:
    dev, _fs = stick
    fstab = tmp_path / "fstab"
    fstab.write_text("# leads on a stick\nLABEL=EXPO\\040STICK /mnt/leads vfat defaults,nofail 0 2\n"
                     f"{dev} /mnt/leads vfat defaults,nofail 0 2\n")
    media = tmp_path / "media"
    media.mkdir()
    cp = _run("add", Path(dev).name, {"LEADKIOSK_USER": "nobody", "LEADKIOSK_MEDIA": str(media),
                                      "LEADKIOSK_FSTAB": str(fstab), "LEADKIOSK_USB_STATE": str(tmp_path / "s")})
    assert cp.returncode == 0 and "leaving it to fstab" in cp.stdout
    assert list(media.iterdir()) == []


def test_udev_rule_starts_the_mount_service() -> None:
    rule = next(line for line in (PI / "udev/99-leadkiosk-usb.rules").read_text().splitlines()
                if line and not line.startswith("#"))
    pairs = re.findall(r'([A-Z_]+(?:\{[A-Za-z_]+\})?)\s*(==|\+=|=)\s*"([^"]*)"', rule)
    assert ", ".join(f"{k}{op}\"{v}\"" for k, op, v in pairs) == rule.replace(", ", ", ")  # every clause parsed
    d = {(k, op): v for k, op, v in pairs}
    assert d[("ACTION", "==")] == "add" and d[("SUBSYSTEMS", "==")] == "usb"
    assert d[("ENV{SYSTEMD_WANTS}", "+=")] == "leadkiosk-usb-mount@%k.service" and d[("TAG", "+=")] == "systemd"
    assert (PI / "systemd/leadkiosk-usb-mount@.service").exists()
