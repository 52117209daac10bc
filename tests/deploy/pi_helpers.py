"""Helpers for the Pi deployment tests: small but real leadkiosk wheels (pip installs them into
real venvs), a fake target root for install.sh, and fake mount tables in /proc/mounts format."""
from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import zipfile
from pathlib import Path


REPO = Path(__file__).resolve().parents[2]
PI = REPO / "deploy" / "pi"
INSTALL = PI / "install.sh"

# The fake kiosk's CLI: enough of the real contract for install.sh and `leadkiosk upgrade`
# (--version, run, leads list); LEADKIOSK_FAKE_BEHAVIOUR in the wheel picks how it fails.
_CLI = '''
import sys
VERSION = {version!r}
BEHAVIOUR = {behaviour!r}

def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--version"]:
        print("leadkiosk " + VERSION)
        return 0
    if argv[:1] == ["run"]:
        if BEHAVIOUR == "crash-on-start":
            print("fake kiosk: crashing on start", file=sys.stderr)
            return 1
        print("fake kiosk " + VERSION + " ready")
        return 0
    if argv[:2] == ["leads", "list"]:
        print("[]")
        return 0
    return 2
'''


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def make_wheel(out_dir: Path, version: str, behaviour: str = "good") -> Path:
    """A pure-Python ``leadkiosk`` wheel (PEP 427 layout, RECORD with hashes)."""
    files: dict[str, bytes] = {
        "kiosk/__init__.py": f"__version__ = {version!r}\n".encode(),
        "kiosk/cli/__init__.py": _CLI.format(version=version, behaviour=behaviour).encode(),
        "kiosk/paths.py": b"",
        "kiosk/deploy/__init__.py": b"",
        "kiosk/deploy/provision.py": (b"raise ImportError('fake broken build')\n" if behaviour == "broken-import" else b""),
    }
    dist = f"leadkiosk-{version}.dist-info"
    files[f"{dist}/METADATA"] = f"Metadata-Version: 2.1\nName: leadkiosk\nVersion: {version}\n".encode()
    files[f"{dist}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: leadkiosk-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    files[f"{dist}/entry_points.txt"] = b"[console_scripts]\nleadkiosk = kiosk.cli:main\n"
    files[f"{dist}/top_level.txt"] = b"kiosk\n"
    record = [_record_line(n, d) for n, d in files.items()] + [f"{dist}/RECORD,,"]
    files[f"{dist}/RECORD"] = ("\n".join(record) + "\n").encode()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"leadkiosk-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def make_fake_root(root: Path) -> Path:
    """A target root as far as install.sh needs one without chroot: passwd/group with the
    groups Raspberry Pi OS has, and the system's unit files for systemctl --root."""
    (root / "etc").mkdir(parents=True, exist_ok=True)
    (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (root / "etc/group").write_text("root:x:0:\naudio:x:29:\nvideo:x:44:\ninput:x:105:\nrender:x:106:\n")
    (root / "etc/shadow").write_text("root:*:19000:0:99999:7:::\n")
    (root / "etc/gshadow").write_text("root:*::\n")
    (root / "etc/os-release").write_text('ID=debian\nVERSION_CODENAME=bookworm\n')
    units = root / "usr/lib/systemd"
    units.mkdir(parents=True, exist_ok=True)
    if not (units / "system").exists():
        shutil.copytree("/usr/lib/systemd/system", units / "system", symlinks=True)
    (root / "boot/firmware").mkdir(parents=True, exist_ok=True)
    (root / "boot/firmware/cmdline.txt").write_text(
        "console=serial0,115200 console=tty1 root=PARTUUID=1234-02 rootfstype=ext4 fsck.repair=yes rootwait\n")
    return root


def run_install(root: Path, *args: str, env: dict[str, str] | None = None,
                timeout: float = 120) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "LEADKIOSK_APT": "0", "LEADKIOSK_CHROOT": "0",
                "LEADKIOSK_PIP_ARGS": "--no-index --no-deps", **(env or {})}
    if "LEADKIOSK_PROC_MOUNTS" not in (env or {}):
        full_env.pop("LEADKIOSK_PROC_MOUNTS", None)  # the host's table is not the target's
    return subprocess.run(["bash", str(INSTALL), "--root", str(root), *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout)


def mounts_text(*lines: str) -> str:
    return "".join(line + "\n" for line in lines)


# Raspberry Pi OS with the overlay file system on (raspi-config): / is an overlay on tmpfs.
OVERLAY_ROOT = (
    "overlayroot / overlay rw,relatime,lowerdir=/media/root-ro,upperdir=/media/root-rw/overlay,"
    "workdir=/media/root-rw/overlay-workdir/_ 0 0",
    "/dev/mmcblk0p2 /media/root-ro ext4 ro,relatime 0 0",
    "tmpfs-root /media/root-rw tmpfs rw,relatime 0 0",
    "/dev/mmcblk0p1 /boot/firmware vfat ro,relatime,fmask=0022,dmask=0022 0 0",
    "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0",
    "tmpfs /run tmpfs rw,nosuid,nodev,size=787596k,mode=755 0 0",
)
# The same SD card without the overlay.
PLAIN_ROOT = (
    "/dev/mmcblk0p2 / ext4 rw,noatime 0 0",
    "/dev/mmcblk0p1 /boot/firmware vfat rw,relatime,fmask=0022,dmask=0022 0 0",
    "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0",
    "tmpfs /run tmpfs rw,nosuid,nodev,size=787596k,mode=755 0 0",
)
