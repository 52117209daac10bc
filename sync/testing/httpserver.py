"""A small threaded HTTP/1.1 server on 127.0.0.1 for loopback tests (keep-alive, JSON helpers)."""
from __future__ import annotations

import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class JsonHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "leadkiosk-loopback/1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def read_body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def reply(self, status: int, payload: Any = None, headers: dict[str, str] | None = None,
              raw: bytes | None = None) -> None:
        body = raw if raw is not None else (b"" if payload is None else json.dumps(payload).encode())
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


class LoopbackServer:
    """Runs ``handler_cls`` on 127.0.0.1 in a daemon thread; ``app`` is reachable from handlers
    as ``self.server.app``. ``certfile``/``keyfile`` turn it into HTTPS."""

    def __init__(self, handler_cls: type[BaseHTTPRequestHandler], app: Any, port: int = 0,
                 certfile: str | None = None, keyfile: str | None = None):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler_cls)
        self.httpd.daemon_threads = True
        self.httpd.app = app  # type: ignore[attr-defined]
        self.scheme = "http"
        if certfile:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(certfile, keyfile)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def start(self) -> "LoopbackServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> "LoopbackServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
