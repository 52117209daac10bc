"""A kiosk that cannot start (here: its data directory cannot exist, as when the USB stick holding
it is missing) says why on screen, keeps the systemd watchdog fed, and starts by itself once the
cause is fixed, instead of exiting into a restart loop with a black screen."""
from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _recv_until(server: socket.socket, want: bytes, deadline: float, got: list[bytes]) -> bool:
    while time.monotonic() < deadline:
        try:
            msg = server.recv(512)
        except socket.timeout:
            continue
        got.append(msg)
        if msg.startswith(want):
            return True
    return False


@pytest.mark.ui
def test_startup_error_is_shown_then_the_kiosk_starts_once_fixed(tmp_path: Path, child_env: dict) -> None:
    blocker = tmp_path / "stick"
    blocker.write_text("not a directory")  # DATA below a regular file: nothing can be created there
    data = blocker / "data"
    sock_path = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(sock_path)
        server.settimeout(1)
        env = dict(child_env, NOTIFY_SOCKET=sock_path, WATCHDOG_USEC="2000000",
                   LEADKIOSK_STARTUP_RETRY_S="0.5")
        proc = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--data", str(data), "--camera", "none"],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        got: list[bytes] = []
        try:
            assert _recv_until(server, b"STATUS=cannot start", time.monotonic() + 40, got), got
            status = next(m for m in got if m.startswith(b"STATUS=cannot start")).decode()
            assert "kiosk.toml" in status and "Not a directory" in status
            assert b"READY=1" in got  # the unit counts as started: systemd does not kill-loop it
            assert _recv_until(server, b"WATCHDOG=1", time.monotonic() + 10, got), got
            assert proc.poll() is None, "the kiosk gave up instead of waiting for the cause to be fixed"

            blocker.unlink()  # the cause is fixed: the stick is back (an empty directory to create)
            assert _recv_until(server, b"STATUS=scan screen ready", time.monotonic() + 60, got), got
            assert (data / "leads").is_dir() or any(data.iterdir())
            proc.send_signal(signal.SIGTERM)
            rc = proc.wait(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        err = proc.stderr.read().decode()
        assert rc == 0, err[-2000:]
        assert "leadkiosk run:" in err and "Not a directory" in err  # the reason in the log too
