"""An arm64 Debian 12 root on an amd64 machine, without a Pi and without binfmt_misc.

Why: every Raspberry Pi the kiosk targets is arm64, and nothing of the kiosk had ever run on that
architecture. ``proot -q qemu-aarch64-static`` runs every process of the root through qemu-user, so
this works inside an unprivileged container too. Building the root takes minutes (the second stage
of debootstrap under emulation), so the finished base is cached as a tarball and the working root
is kept between runs (``install.sh`` is idempotent; a second run changes nothing).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path

QEMU = "qemu-aarch64-static"
# What a Raspberry Pi OS Lite image has before our installer (python3, apt, systemd), plus
# Mesa's software renderer so `leadkiosk screenshots` can draw without a GPU.
BASE_INCLUDE = ("python3", "ca-certificates")
BASE_APT = ("systemd", "systemd-sysv", "libgl1-mesa-dri", "libegl1", "libgles2", "libgl1", "xauth")
GUEST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def debian_mirror() -> str:
    """The Debian mirror apt already uses here (deb822 .sources or one-line .list)."""
    for path in sorted(Path("/etc/apt").glob("sources.list.d/*.sources")) + [Path("/etc/apt/sources.list")]:
        try:
            text = path.read_text()
        except OSError:
            continue
        m = (re.search(r"^URIs:\s*(\S+/debian)/?\s*$", text, re.M)
             or re.search(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+/debian)/?\s+bookworm", text, re.M))
        if m:
            return m.group(1)
    return "http://deb.debian.org/debian"


def missing_tools() -> list[str]:
    """Host tools this needs (Debian packages debootstrap, proot, qemu-user-static)."""
    return [t for t in ("debootstrap", "proot", QEMU) if shutil.which(t) is None]


@dataclass
class Arm64Root:
    """A cached arm64 root; :meth:`run` executes a command inside it under qemu-user."""

    cache: Path
    log: list[str] = field(default_factory=list)

    @property
    def root(self) -> Path:
        return self.cache / "root"

    @property
    def base_tar(self) -> Path:
        return self.cache / "bookworm-arm64-base.tar"

    def note(self, text: str) -> None:
        self.log.append(text)

    # ------------------------------------------------------------------ building
    def ensure(self) -> None:
        """Working root present: reuse it, else unpack the cached base, else build the base."""
        if (self.root / "usr/bin/python3").exists() and (self.root / ".leadkiosk-base-ok").exists():
            self.note(f"reused working root {self.root}")
            return
        if self.root.exists():
            self._umount_all()
            shutil.rmtree(self.root)
        t0 = time.monotonic()
        if self.base_tar.exists():
            self.root.mkdir(parents=True)
            with tarfile.open(self.base_tar) as tar:
                tar.extractall(self.root, numeric_owner=True, filter="fully_trusted")
            self.note(f"unpacked cached base in {time.monotonic() - t0:.0f} s")
        else:
            self._build()
            self.note(f"built base root in {time.monotonic() - t0:.0f} s")
            with tarfile.open(self.base_tar, "w") as tar:
                tar.add(self.root, arcname=".")
        (self.root / ".leadkiosk-base-ok").write_text("ok\n")

    def _build(self) -> None:
        self.root.parent.mkdir(parents=True, exist_ok=True)
        mirror = debian_mirror()
        cp = subprocess.run(["debootstrap", "--foreign", "--arch=arm64", "--variant=minbase",
                             "--include=" + ",".join(BASE_INCLUDE), "bookworm", str(self.root), mirror],
                            capture_output=True, text=True, timeout=1200)
        assert cp.returncode == 0, cp.stdout[-3000:] + cp.stderr[-3000:]
        self._umount_all()  # debootstrap may leave the host's /proc mounted in the target
        shutil.copy(shutil.which(QEMU) or QEMU, self.root / "usr/bin" / QEMU)
        second = self.run(["/bin/sh", "/debootstrap/debootstrap", "--second-stage"], timeout=3000,
                          env={"DEBOOTSTRAP_DIR": "/debootstrap"})
        assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
        # systemd-tmpfiles crashes proot (its O_PATH/openat2 path handling): divert it to a no-op
        # before systemd's postinst calls it, then let the host's systemd-tmpfiles do that work.
        stub = self.root / "usr/local/sbin/tmpfiles-stub"
        stub.write_text("#!/bin/sh\n# systemd-tmpfiles crashes proot; the host's runs with --root instead\nexit 0\n")
        stub.chmod(0o755)
        self.divert_tmpfiles()
        self.apt_install(BASE_APT)
        subprocess.run(["systemd-tmpfiles", f"--root={self.root}", "--create"], capture_output=True, timeout=300)

    def divert_tmpfiles(self) -> None:
        """Divert systemd's ``systemd-tmpfiles`` to the stub. The path must be the one the package
        ships (``/bin/...``, bookworm's systemd is not usrmerged in its file list): a diversion of
        ``/usr/bin/systemd-tmpfiles`` is not matched, dpkg overwrites the stub and proot aborts in
        systemd's postinst."""
        div = self.run(["sh", "-c", "dpkg-divert --list /bin/systemd-tmpfiles | grep -q . || "
                        "dpkg-divert --add --rename --divert /bin/systemd-tmpfiles.real /bin/systemd-tmpfiles; "
                        "ln -sf /usr/local/sbin/tmpfiles-stub /bin/systemd-tmpfiles"])
        assert div.returncode == 0, div.stderr

    def apt_install(self, packages: tuple[str, ...] | list[str]) -> None:
        shutil.copy("/etc/resolv.conf", self.root / "etc/resolv.conf")
        env = {"DEBIAN_FRONTEND": "noninteractive"}
        up = self.run(["apt-get", "update", "-q"], timeout=1200, env=env)
        assert up.returncode == 0, up.stdout[-2000:] + up.stderr[-2000:]
        inst = self.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages], timeout=2400, env=env)
        assert inst.returncode == 0, inst.stdout[-3000:] + inst.stderr[-3000:]

    def _umount_all(self) -> None:
        """Unmount whatever is mounted below the root (a left-over /proc makes it undeletable)."""
        prefix = str(self.root.resolve()) + "/"
        with open("/proc/mounts") as mounts:
            points = [line.split()[1] for line in mounts if line.split()[1].startswith(prefix)]
        for point in sorted(points, key=len, reverse=True):
            subprocess.run(["umount", "-l", point], capture_output=True, timeout=60)

    # ------------------------------------------------------------------ running
    def run(self, argv: list[str], *, binds: dict[Path, str] | None = None, env: dict[str, str] | None = None,
            cwd: str = "/", timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` inside the root as (fake) root; ``binds`` maps host paths to guest paths."""
        cmd = ["proot", "-0", "-q", QEMU, "-r", str(self.root), "-w", cwd,
               "-b", "/proc", "-b", "/dev", "-b", "/sys"]
        for host, guest in (binds or {}).items():
            cmd += ["-b", f"{host}:{guest}"]
        guest_env = {"PATH": GUEST_PATH, "HOME": "/root", "LANG": "C.UTF-8", "TMPDIR": "/tmp", **(env or {})}
        cmd += ["/usr/bin/env", "-i", *[f"{k}={v}" for k, v in guest_env.items()], *argv]
        host_env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "LD_PRELOAD", "FAKETIME"))}
        host_env["PROOT_NO_SECCOMP"] = "1"  # qemu-user and seccomp acceleration do not mix
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=host_env)

    def machine(self) -> str:
        cp = self.run(["uname", "-m"], timeout=120)
        return cp.stdout.strip()
