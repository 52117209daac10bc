"""Boot the real kiosk app the way leadkiosk-kiosk.service does: the unit's Environment= lines,
its ExecStart command, a data directory and Kivy profile made by `leadkiosk provision` from a
leadkiosk.toml, and a NOTIFY_SOCKET this test listens on, as systemd would. Only the video driver
differs (x11 under Xvfb instead of kmsdrm). Passing means the app sent READY=1 once the scan
screen was up, then kept sending WATCHDOG=1 from its main loop: what Type=notify and
WatchdogSec=30 rely on."""
from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pi_helpers import PI, PLAIN_ROOT, mounts_text

pytestmark = [pytest.mark.ui, pytest.mark.slow]
UNIT = PI / "systemd" / "leadkiosk-kiosk.service"


def unit_environment(unit: Path) -> dict[str, str]:
    env: dict[str, str] = {}
    for line in unit.read_text().splitlines():
        if line.startswith("Environment="):
            for pair in shlex.split(line.split("=", 1)[1]):
                key, value = pair.split("=", 1)
                env[key] = value
    return env


def unit_exec_args(unit: Path) -> list[str]:
    line = next(x for x in unit.read_text().splitlines() if x.startswith("ExecStart="))
    argv = shlex.split(line.split("=", 1)[1])
    assert argv[0] == "/opt/leadkiosk/current/bin/leadkiosk"
    return argv[1:]


def test_app_boots_to_the_scan_screen_with_the_units_environment(tmp_path: Path) -> None:
    xvfb = shutil.which("xvfb-run")
    if not xvfb:
        pytest.skip("xvfb-run not installed (apt-get install xvfb xauth)")
    unit_env = unit_environment(UNIT)
    assert unit_env["SDL_VIDEODRIVER"] == "kmsdrm"
    data, kivy = tmp_path / "var/lib/leadkiosk", tmp_path / "etc/leadkiosk/kivy"
    boot = tmp_path / "leadkiosk.toml"
    boot.write_text('kiosk_name = "booth-xvfb"\nstaff_pin = "4711"\ndisplay = "official-7"\n')
    mounts = tmp_path / "mounts"
    mounts.write_text(mounts_text(*PLAIN_ROOT))
    prov = subprocess.run([sys.executable, "-m", "kiosk", "provision", "--no-enroll", "--boot-config", str(boot),
                           "--data", str(data), "--kivy-home", str(kivy), "--mounts", str(mounts)],
                          capture_output=True, text=True, timeout=120)
    assert prov.returncode == 0, prov.stdout + prov.stderr

    notify_path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(notify_path))
    sock.settimeout(1.0)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIVY_", "KCFG_", "SDL_"))}
    env.update(unit_env)
    env.update({
        # the unit's paths, moved under tmp_path
        "LEADKIOSK_DATA": str(data), "KIVY_HOME": str(kivy),
        # the only difference from the unit: X11 under Xvfb instead of the console's KMS/DRM
        "SDL_VIDEODRIVER": "x11",
        # what systemd sets for Type=notify with WatchdogSec= (a short period so pings come fast)
        "NOTIFY_SOCKET": str(notify_path), "WATCHDOG_USEC": "2000000",
    })
    cmd = [xvfb, "-a", "-s", "-screen 0 800x480x24", sys.executable, "-m", "kiosk", *unit_exec_args(UNIT)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    messages: list[str] = []
    deadline = time.monotonic() + 90
    ready_at = None
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                messages.append(sock.recv(4096).decode())
            except socket.timeout:
                continue
            if ready_at is None and "READY=1" in messages[-1]:
                ready_at = time.monotonic()
            if ready_at is not None and any("WATCHDOG=1" in m for m in messages):
                break
    finally:
        alive = proc.poll() is None
        if alive:
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
        sock.close()
    assert ready_at is not None, f"no READY=1 within 90 s; notify messages {messages}; app output:\n{out[-3000:]}"
    assert any("STATUS=scan screen ready" in m for m in messages), messages
    assert any("WATCHDOG=1" in m for m in messages), f"READY but no watchdog ping from the main loop: {messages}"
    assert alive, f"the app exited on its own:\n{out[-3000:]}"
