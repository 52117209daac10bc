"""Run the real central system (``leadkiosk central serve``) as a separate process on loopback."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RealCentral:
    def __init__(self, db_path: Path, port: int | None = None):
        self.db_url = f"sqlite:///{db_path}"
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.log = db_path.with_suffix(".log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> str:
        out = subprocess.run([sys.executable, "-m", "kiosk", "central", *args, "--db", self.db_url],
                             capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError(f"leadkiosk central {' '.join(args)}: {out.stderr}")
        return out.stdout

    @staticmethod
    def _no_notify_args() -> list[str]:
        """Hot-lead notifications are not what these runs measure: switch them off with whatever
        option this version of ``central serve`` offers."""
        help_text = subprocess.run([sys.executable, "-m", "kiosk", "central", "serve", "--help"],
                                   capture_output=True, text=True, timeout=60).stdout
        if "--notify-worker" in help_text:
            return ["--notify-worker", "none"]
        if "--no-notify-worker" in help_text:
            return ["--no-notify-worker"]
        return []

    def start(self, timeout: float = 60.0) -> "RealCentral":
        env = dict(os.environ)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "central", "serve", "--db", self.db_url, "--port", str(self.port),
             *self._no_notify_args()], stdout=self.log.open("ab"), stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout
        # Any answer means it is up. A first answer can take seconds on a loaded machine (or under
        # a shifted clock): a slow answer is waited for, not taken as a failure, and a server that
        # never came up is stopped, not left running behind the test.
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"central serve exited: {self.log.read_text()[-2000:]}")
            try:
                requests.get(self.url + "/api/v1/config", timeout=max(1.0, min(10.0, deadline - time.monotonic())))
                return self
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"central serve did not come up in {timeout:.0f} s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None
