"""Issue 18, item 1: central checks the token (and the signature headers' presence) before it
reads a request body, reads at most ``[limits] max_concurrent_bodies`` bodies at once, each
within ``body_timeout_s``. Measured on the real server (``leadkiosk central serve``, one uvicorn
process on loopback) with raw sockets, so nothing in between buffers for it.

Bounded: 50 connections, every wait has a deadline, the whole module takes some seconds."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
import requests

from sync.record.signing import sign_headers
from sync.testing.central_process import free_port

SIXTEEN_MB = 16 * 1024 * 1024


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


class Server:
    def __init__(self, tmp: Path, config: str) -> None:
        self.db = f"sqlite:///{tmp / 'central.db'}"
        self.port = free_port()
        cfg = tmp / "central.toml"
        cfg.write_text(config)
        self.log = tmp / "serve.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "central", "serve", "--db", self.db, "--port", str(self.port),
             "--config", str(cfg), "--notify-worker", "none"],
            stdout=self.log.open("wb"), stderr=subprocess.STDOUT, env=dict(os.environ, PYTHONUNBUFFERED="1"))
        deadline = time.monotonic() + 60
        while True:
            assert self.proc.poll() is None, self.log.read_text()[-2000:]
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "central serve did not start"
            time.sleep(0.2)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def enroll(self) -> dict:
        code = subprocess.run([sys.executable, "-m", "kiosk", "central", "enroll-code", "--db", self.db,
                               "--show", "expo"], capture_output=True, text=True, timeout=60)
        assert code.returncode == 0, code.stderr
        r = requests.post(f"{self.url}/api/v1/enroll", json={"code": code.stdout.split()[0], "kiosk_name": "booth-1"},
                          timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    s = Server(tmp_path, "[limits]\nmax_concurrent_bodies = 2\nbody_timeout_s = 2\n")
    yield s
    s.stop()


@pytest.fixture
def default_server(tmp_path: Path) -> Iterator[Server]:
    s = Server(tmp_path, "")
    yield s
    s.stop()


def _open(port: int, head: bytes, timeout: float = 10.0) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.sendall(head)
    return sock


def _head(path: str, length: int, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json",
             f"Content-Length: {length}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode()


def _status(sock: socket.socket, deadline: float) -> int:
    """The response's status code, read before ``deadline`` (0 when the server closed first)."""
    buf = b""
    while b"\r\n" not in buf:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = sock.recv(4096)
        except socket.timeout:
            raise AssertionError("no response in time") from None
        except ConnectionResetError:
            return 0
        if not chunk:
            return 0
        buf += chunk
    return int(buf.split(b" ", 2)[1])


def test_bad_token_gets_401_before_the_body_and_memory_stays_flat(default_server: Server) -> None:
    server = default_server
    warm = requests.post(f"{server.url}/api/v1/leads:batch", data=b"{}", headers={"Authorization": "Bearer nope"},
                         timeout=10)
    assert warm.status_code == 401
    before = _rss_kb(server.proc.pid)
    head = _head("/api/v1/leads:batch", SIXTEEN_MB, {"Authorization": "Bearer nope"})
    socks = [_open(server.port, head) for _ in range(50)]
    try:
        started = time.monotonic()
        # the bodies never come: a server that waited for them would answer none of these
        # (a generous deadline: on a loaded CI machine 50 answers can take seconds)
        deadline = started + 30
        codes = [_status(s, deadline) for s in socks]
        assert codes == [401] * 50, codes
        # the attacker goes on pushing the 16 MB it announced; the server must not keep it
        chunk = b"x" * (256 * 1024)
        push_deadline = time.monotonic() + 10
        for s in socks:
            s.settimeout(0.2)
            for _ in range(64):
                if time.monotonic() > push_deadline:
                    break
                try:
                    s.sendall(chunk)
                except (socket.timeout, BrokenPipeError, ConnectionResetError):
                    break
        grown_mb = (_rss_kb(server.proc.pid) - before) / 1024
        assert grown_mb < 40, f"server grew {grown_mb:.0f} MB under 50 unauthenticated 16 MB uploads"
    finally:
        for s in socks:
            s.close()
    assert server.proc.poll() is None


def test_missing_signature_headers_refused_before_the_body(server: Server) -> None:
    creds = server.enroll()
    sock = _open(server.port, _head("/api/v1/leads:batch", SIXTEEN_MB, {"Authorization": f"Bearer {creds['token']}"}))
    try:
        assert _status(sock, time.monotonic() + 30) == 401
    finally:
        sock.close()
    stale = sign_headers(creds["signing_secret"], b"{}", timestamp=time.time() - 3600)
    sock = _open(server.port, _head("/api/v1/heartbeat", 100_000, {"Authorization": f"Bearer {creds['token']}", **stale}))
    try:
        assert _status(sock, time.monotonic() + 30) == 401
    finally:
        sock.close()


def test_body_reads_are_bounded_in_number_and_time(server: Server) -> None:
    """Valid token, signed headers, then a body that drips: two occupy the slots, the third is
    told to come back (503), and the drippers are cut after body_timeout_s (408). Afterwards a
    normal request goes through."""
    creds = server.enroll()
    auth = {"Authorization": f"Bearer {creds['token']}"}
    drippers = []
    for _ in range(2):
        s = _open(server.port, _head("/api/v1/leads:batch", 1_000_000,
                                     {**auth, **sign_headers(creds["signing_secret"], b"unused")}))
        s.sendall(b'{"leads": [')
        drippers.append(s)
    time.sleep(0.3)
    started = time.monotonic()
    third = _open(server.port, _head("/api/v1/leads:batch", 1_000_000,
                                     {**auth, **sign_headers(creds["signing_secret"], b"unused")}))
    try:
        # Which two of the three hold the slots depends on when the server got to each (on a
        # loaded machine the third may be read first): two are cut after body_timeout_s (408),
        # one is told to come back (503). A server that never cut a dripper answers nothing.
        codes = sorted(_status(s, started + 30) for s in (*drippers, third))
        assert codes == [408, 408, 503], codes
    finally:
        for s in (*drippers, third):
            s.close()
    body = json.dumps({"pending": {}}).encode()
    r = requests.post(f"{server.url}/api/v1/heartbeat", data=body,
                      headers={**auth, **sign_headers(creds["signing_secret"], body),
                               "Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 200, r.text


def test_enrollment_body_is_bounded(server: Server) -> None:
    """The enrollment endpoint has no token to check first: its body is small and capped."""
    sock = _open(server.port, _head("/api/v1/enroll", SIXTEEN_MB, {}))
    try:
        assert _status(sock, time.monotonic() + 5) == 413
    finally:
        sock.close()
