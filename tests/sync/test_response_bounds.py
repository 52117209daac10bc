"""Issue 14, case 7: the sync client bounds every response. Real loopback servers: one that
drips a byte at a time (headers or body) and one that floods an endless body. Each is reported as
an error within the time limit / size cap, and `sync --once --max-wait S` ends near S."""
from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from sync.errors import SyncError, TransientError
from sync.http import HttpClient


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def _serve(behaviour: str, stats: dict[str, Any]) -> _Server:
    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            sock = self.request
            sock.settimeout(30)
            try:
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = sock.recv(65536)
                    if not chunk:
                        return
                    head += chunk
                stats["requests"] = stats.get("requests", 0) + 1
                if behaviour == "drip-body":
                    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
                    for _ in range(400):
                        time.sleep(0.25)
                        sock.sendall(b" ")
                elif behaviour == "drip-headers":
                    sock.sendall(b"HTTP/1.1 200 OK\r\n")
                    for _ in range(400):
                        time.sleep(0.25)
                        sock.sendall(b"X")
                elif behaviour in ("flood", "flood-length"):
                    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 + (b"Content-Length: 1073741824\r\n" if behaviour == "flood-length" else b"Connection: close\r\n")
                                 + b"\r\n[")
                    block = b"0," * 32768
                    while stats.get("sent", 0) < 1 << 30:
                        sock.sendall(block)
                        stats["sent"] = stats.get("sent", 0) + len(block)
            except OSError:
                pass
            finally:
                stats["closed_at"] = time.monotonic()

    srv = _Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return srv


@pytest.fixture
def hostile() -> Iterator[Any]:
    servers: list[_Server] = []

    def start(behaviour: str) -> tuple[str, dict[str, Any]]:
        stats: dict[str, Any] = {}
        srv = _serve(behaviour, stats)
        servers.append(srv)
        return f"http://127.0.0.1:{srv.server_address[1]}", stats
    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


@pytest.mark.parametrize("behaviour", ["drip-body", "drip-headers"])
def test_a_dripping_server_hits_the_total_time_limit(hostile, behaviour: str) -> None:
    url, _ = hostile(behaviour)
    client = HttpClient(timeout=(1.0, 2.0), total_s=2.0)   # a byte every 0.25 s never trips the read timeout
    started = time.monotonic()
    with pytest.raises(TransientError, match="time limit"):
        client.request("POST", url + "/api/v1/leads:batch", body=b"{}")
    assert time.monotonic() - started < 30.0   # the drip goes on for 100 s: the limit ended it
    client.close()


@pytest.mark.parametrize("behaviour", ["flood", "flood-length"])
def test_a_flooding_server_hits_the_size_cap(hostile, behaviour: str) -> None:
    url, stats = hostile(behaviour)
    client = HttpClient(timeout=(1.0, 5.0), max_bytes=1 << 20)
    started = time.monotonic()
    with pytest.raises(TransientError, match="larger than"):
        client.request("GET", url + "/api/v1/config")
    assert time.monotonic() - started < 30.0
    client.close()
    time.sleep(0.3)
    # the client stopped reading near the cap: the server could not push more than socket buffers
    assert stats.get("sent", 0) < 64 << 20


def test_a_silent_server_hits_the_read_timeout(hostile) -> None:
    """Accepts the connection and never answers: the read limit ends it, not the 30 s default."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        client = HttpClient(timeout=(0.5, 1.0), total_s=120.0)
        started = time.monotonic()
        with pytest.raises(SyncError, match="timed out"):
            client.request("GET", f"http://127.0.0.1:{listener.getsockname()[1]}/")
        assert time.monotonic() - started < 60.0   # the read limit, long before the 120 s total
        client.close()
    finally:
        listener.close()


def test_ordinary_answers_still_work(hostile) -> None:
    from sync.testing.httpserver import JsonHandler, LoopbackServer

    class H(JsonHandler):
        def do_GET(self) -> None:
            self.reply(200, {"ok": True, "pad": "x" * 200_000})
    srv = LoopbackServer(H, None).start()
    try:
        client = HttpClient(max_bytes=1 << 20, total_s=5.0)
        for _ in range(3):   # keep-alive connections are reused and still bounded
            assert client.request("GET", srv.url + "/").json()["ok"] is True
        client.close()
    finally:
        srv.stop()


def _enrolled(data: Path, url: str) -> None:
    data.mkdir(parents=True)
    (data / "central.json").write_text(json.dumps({
        "url": url, "device_id": "dev-1", "token": "t", "signing_secret": "whsec_" + "A" * 44,
        "show_id": "demo", "enrolled_at": "2026-01-01T00:00:00Z"}))
    (data / "central.json").chmod(0o600)
    from kiosk.store import open_store
    from tests.support.records import make_lead
    store = open_store(data)
    store.save(make_lead(1, tag="hot"))
    store.close()


def test_sync_once_ends_near_max_wait_against_a_dripping_central(hostile, tmp_path: Path, capsys) -> None:
    from kiosk.cli import main
    url, stats = hostile("drip-body")
    data = tmp_path / "kiosk"
    _enrolled(data, url)
    started = time.monotonic()
    code = main(["sync", "--once", "--json", "--max-wait", "3", "--data", str(data)])
    took = time.monotonic() - started
    assert code == 1 and took < 40.0, took   # --max-wait ended it: the drip goes on for 100 s
    st = json.loads(capsys.readouterr().out)["destinations"]["central"]
    assert st["pending"] == 1 and "time limit" in (st["last_error"] or ""), st
