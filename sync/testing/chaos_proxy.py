"""A fault-injecting HTTP/1.1 proxy on 127.0.0.1 for the chaos test.

It sits between the kiosk and the server and, per request, with a seeded random choice:
passes it through; delays it; drops the connection before forwarding; forwards it and then resets
the client connection without the answer (the server has committed, the kiosk does not know);
answers 500 or 429 itself; or forwards and then answers 500 (committed, but reported as failed).
Requests and responses are framed by Content-Length (what our client and servers use).
"""
from __future__ import annotations

import random
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

FAULTS = ("pass", "delay", "drop", "reset_after_commit", "http500", "http429", "http500_after_commit")


@dataclass
class ChaosStats:
    requests: int = 0
    faults: dict[str, int] = field(default_factory=lambda: {k: 0 for k in FAULTS})
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def injected(self) -> int:
        return sum(v for k, v in self.faults.items() if k != "pass")


def _read_message(sock: socket.socket, buf: bytearray) -> bytes | None:
    """One HTTP message (head + Content-Length body) from ``sock``; None on EOF."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buf += chunk
    head_end = buf.index(b"\r\n\r\n") + 4
    length = 0
    for line in bytes(buf[:head_end]).split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(buf) < head_end + length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buf += chunk
    msg = bytes(buf[:head_end + length])
    del buf[:head_end + length]
    return msg


def _reset(sock: socket.socket) -> None:
    """Close with RST instead of FIN, like a NAT box or a dying access point does."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


def _reply(status: int, reason: str, headers: dict[str, str]) -> bytes:
    body = b'{"error": "injected by chaos proxy"}'
    lines = [f"HTTP/1.1 {status} {reason}", "Content-Type: application/json",
             f"Content-Length: {len(body)}"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class ChaosProxy:
    def __init__(self, upstream_port: int, weights: dict[str, float], seed: int = 7,
                 max_delay_s: float = 0.3, retry_after: str = "0"):
        unknown = set(weights) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults {unknown}")
        self.upstream = ("127.0.0.1", upstream_port)
        self.kinds = list(weights)
        self.weights = [weights[k] for k in self.kinds]
        self.rng = random.Random(seed)
        self.rng_lock = threading.Lock()
        self.max_delay_s = max_delay_s
        self.retry_after = retry_after
        self.stats = ChaosStats()
        self.enabled = True
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def start(self) -> "ChaosProxy":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.listener.close()

    def _choose(self) -> tuple[str, float]:
        with self.rng_lock:
            kind = self.rng.choices(self.kinds, self.weights)[0] if self.enabled else "pass"
            delay = self.rng.uniform(0, self.max_delay_s)
        return kind, delay

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream: socket.socket | None = None
        cbuf, ubuf = bytearray(), bytearray()
        try:
            while not self._stop.is_set():
                request = _read_message(client, cbuf)
                if request is None:
                    return
                kind, delay = self._choose()
                with self.stats.lock:
                    self.stats.requests += 1
                    self.stats.faults[kind] += 1
                if kind == "drop":
                    _reset(client)
                    return
                if kind == "http500":
                    client.sendall(_reply(500, "Internal Server Error", {}))
                    continue
                if kind == "http429":
                    client.sendall(_reply(429, "Too Many Requests", {"Retry-After": self.retry_after}))
                    continue
                if kind == "delay":
                    time.sleep(delay)
                if upstream is None:
                    upstream = socket.create_connection(self.upstream, timeout=30)
                upstream.sendall(request)
                response = _read_message(upstream, ubuf)
                if response is None:
                    _reset(client)
                    return
                if kind == "reset_after_commit":
                    _reset(client)
                    return
                if kind == "http500_after_commit":
                    client.sendall(_reply(500, "Internal Server Error", {}))
                    continue
                client.sendall(response)
        except OSError:
            return
        finally:
            for s in (client, upstream):
                if s is not None:
                    try:
                        s.close()
                    except OSError:
                        pass
