"""Static checks with the real tools: shellcheck on every shell script of the repository's
deploy/ tree, and `systemd-analyze verify` on every unit, run offline against a target root that
holds the units, the executables they name and this machine's systemd units (``--root``)."""
from __future__ import annotations

import configparser
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pi_helpers import PI, REPO

UNIT_FILES = sorted((PI / "systemd").glob("*.service"))


def _shell_scripts() -> list[Path]:
    out = []
    for p in sorted((REPO / "deploy").rglob("*")):
        if p.is_file() and (p.suffix == ".sh" or p.read_bytes()[:40].startswith((b"#!/usr/bin/env bash", b"#!/bin/bash", b"#!/bin/sh"))):
            out.append(p)
    return out


def test_there_are_scripts_and_units() -> None:
    assert PI / "install.sh" in _shell_scripts()
    assert {u.name for u in UNIT_FILES} == {"leadkiosk-kiosk.service", "leadkiosk-firstboot.service",
                                            "leadkiosk-enroll.service", "leadkiosk-usb-mount@.service"}


@pytest.mark.parametrize("script", _shell_scripts(), ids=lambda p: str(p.relative_to(REPO)))
def test_shellcheck(script: Path) -> None:
    if not shutil.which("shellcheck"):
        pytest.skip("shellcheck not installed (deploy/dev/bootstrap.sh installs it for the test profile)")
    # Our own scripts pass every check; the others at least every warning.
    severity = "style" if script.is_relative_to(PI) else "warning"
    cp = subprocess.run(["shellcheck", "-x", f"--severity={severity}", str(script)], capture_output=True,
                        text=True, cwd=REPO)
    assert cp.returncode == 0, cp.stdout


def _verify_root(tmp_path: Path, units: list[Path]) -> Path:
    """A root with the units where install.sh puts them and stand-ins for the binaries they run
    (verify checks that every Exec path exists and is executable)."""
    root = tmp_path / "root"
    (root / "etc/systemd/system").mkdir(parents=True)
    (root / "usr/lib/systemd").mkdir(parents=True)
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    for u in units:
        shutil.copy(u, root / "etc/systemd/system" / u.name)
    for exe in ("opt/leadkiosk/current/bin/leadkiosk", "usr/bin/setterm", "bin/sh",
                "usr/local/lib/leadkiosk/usb-mount.sh"):
        (root / exe).parent.mkdir(parents=True, exist_ok=True)
        (root / exe).write_text("#!/bin/sh\n")
        os.chmod(root / exe, 0o755)
    return root


def _verify(root: Path, names: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["systemd-analyze", "verify", "--man=no", f"--root={root}", *names],
                          capture_output=True, text=True, timeout=60)


def test_systemd_analyze_verify_every_unit(tmp_path: Path) -> None:
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze not installed (apt-get install systemd)")
    root = _verify_root(tmp_path, UNIT_FILES)
    # a template is verified through an instance, as udev starts it (a stick's partition sda1)
    cp = _verify(root, [u.name.replace("@.", "@sda1.") for u in UNIT_FILES])
    assert cp.returncode == 0 and not cp.stderr.strip(), cp.stdout + cp.stderr


def test_systemd_analyze_verify_catches_a_broken_unit(tmp_path: Path) -> None:
    """The check above can fail: a typo in a directive and a missing binary are reported."""
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze not installed")
    bad = tmp_path / "leadkiosk-kiosk.service"
    bad.write_text((PI / "systemd/leadkiosk-kiosk.service").read_text()
                   .replace("Restart=always", "Restart=sometimes")
                   .replace("/opt/leadkiosk/current/bin/leadkiosk run", "/opt/leadkiosk/nowhere run"))
    root = _verify_root(tmp_path, [bad])
    cp = _verify(root, ["leadkiosk-kiosk.service"])
    assert cp.returncode != 0
    assert "sometimes" in cp.stderr and "/opt/leadkiosk/nowhere" in cp.stderr


def _unit(name: str) -> configparser.RawConfigParser:
    cp = configparser.RawConfigParser(strict=False, interpolation=None)
    cp.optionxform = str  # type: ignore[assignment,method-assign]
    cp.read(PI / "systemd" / name)
    return cp


def _env(unit: configparser.RawConfigParser) -> dict[str, str]:
    text = (PI / "systemd/leadkiosk-kiosk.service").read_text()
    env: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("Environment="):
            for pair in line.split("=", 1)[1].split():
                k, v = pair.split("=", 1)
                env[k] = v
    return env


def test_kiosk_unit_contract() -> None:
    u = _unit("leadkiosk-kiosk.service")
    s = u["Service"]
    assert (s["Type"], s["NotifyAccess"], s["WatchdogSec"], s["Restart"]) == ("notify", "main", "30", "always")
    assert u["Unit"]["Conflicts"] == "getty@tty1.service" and "getty@tty1.service" in u["Unit"]["After"]
    # a provisioning file that fails validation keeps the kiosk from starting as the demo show
    assert u["Unit"]["Requires"] == "leadkiosk-firstboot.service" and "leadkiosk-firstboot.service" in u["Unit"]["After"]
    assert s["User"] == "leadkiosk" and s["TTYPath"] == "/dev/tty1"
    env = _env(u)
    assert env["SDL_VIDEODRIVER"] == "kmsdrm" and env["KIVY_WINDOW"] == "sdl2"
    assert env["LEADKIOSK_DATA"] == "/var/lib/leadkiosk" and env["KIVY_HOME"] == "/etc/leadkiosk/kivy"
    assert "KIVY_BCM_DISPMANX_ID" not in env
    assert s["ExecStart"] == "/opt/leadkiosk/current/bin/leadkiosk run"


def test_enroll_unit_retries_only_what_can_succeed() -> None:
    s = _unit("leadkiosk-enroll.service")["Service"]
    assert s["Restart"] == "on-failure" and s["RestartPreventExitStatus"].split() == ["2", "65"]
    assert "time-sync.target" in _unit("leadkiosk-enroll.service")["Unit"]["After"]
    fb = _unit("leadkiosk-firstboot.service")
    assert fb["Unit"]["ConditionPathExists"] == "/boot/firmware/leadkiosk.toml"
    assert "leadkiosk-kiosk.service" in fb["Unit"]["Before"]
    assert "--no-enroll" in fb["Service"]["ExecStart"]
    assert fb["Service"]["StandardError"] == "journal+console"


def test_journald_is_bounded() -> None:
    text = (PI / "journald.conf.d/50-leadkiosk.conf").read_text()
    assert "SystemMaxUse=64M" in text and "RuntimeMaxUse=" in text
