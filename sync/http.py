"""The one place that calls ``requests``: every library exception and every HTTP status becomes a
``sync.errors`` error here, so transports and the worker never see ``requests`` types.

Why a thin wrapper instead of ``requests`` everywhere: the retry policy (what is transient, what is
the item's fault, what is a credentials problem) must be the same for every destination, and it
is decided by status code and a few headers, which is easiest to keep honest in one module.
"""
from __future__ import annotations

import contextlib
import email.utils
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from sync.errors import AuthError, PermanentError, TlsError, TransientError

DEFAULT_TIMEOUT = (5.0, 30.0)  # connect, read (seconds)
USER_AGENT = "leadkiosk-sync/0.1"


@dataclass
class HttpResponse:
    """What transports need from a response, without ``requests`` types leaking out."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str = ""
    elapsed_s: float = 0.0
    _json: Any = field(default=None, repr=False)

    def json(self) -> Any:
        """Parsed body; a non-JSON 2xx body is the server's fault but retrying may help (a proxy
        page in front of it), so it is transient."""
        if self._json is None:
            try:
                self._json = json.loads(self.body or b"null")
            except ValueError:
                raise TransientError(f"{self.url}: HTTP {self.status} with a body that is not JSON: "
                                     f"{self.body[:120]!r}") from None
        return self._json

    def text(self, limit: int = 300) -> str:
        return self.body[:limit].decode("utf-8", "replace")


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP-date (RFC 9110 10.2.3).
    Garbage gives None so the caller falls back to its own backoff."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def check_status(resp: HttpResponse, what: str) -> HttpResponse:
    """Classify a response: 2xx returns it; 408/425/429/5xx are transient (honouring Retry-After);
    401/403 are credential problems; other 4xx are permanent (the worker splits the batch)."""
    if 200 <= resp.status < 300:
        return resp
    detail = f"{what}: HTTP {resp.status} {resp.text()}".strip()
    if resp.status in (408, 425, 429) or resp.status >= 500:
        raise TransientError(detail, retry_after=parse_retry_after(resp.headers.get("Retry-After")))
    if resp.status in (401, 403):
        raise AuthError(detail)
    raise PermanentError(detail, status=resp.status, splittable=resp.status in (400, 413, 422))


DEFAULT_TOTAL_S = 90.0            # one request, connect to last byte
DEFAULT_MAX_BYTES = 32 << 20       # the largest answer read (a show config with a big roster fits)
_CHUNK = 64 << 10

_deadline_lock = threading.Lock()
_deadline_mono: float | None = None


@contextlib.contextmanager
def deadline(mono: float | None) -> Iterator[None]:
    """While active, no request of this process outlives ``mono`` (time.monotonic()) by more
    than a second: ``sync --once --max-wait S`` ends near S even when a request is in flight in a
    worker thread (which is why this is process-wide, not a context variable)."""
    global _deadline_mono
    with _deadline_lock:
        previous, _deadline_mono = _deadline_mono, mono
    try:
        yield
    finally:
        with _deadline_lock:
            _deadline_mono = previous


class _Watch:
    """The connection one request is using, so a timer can cut it at the time limit: a server that
    drips a byte every few seconds never trips a read timeout (each byte resets it)."""

    def __init__(self) -> None:
        self.conn: Any = None
        self.expired = False
        self.lock = threading.Lock()

    def cut(self) -> None:
        with self.lock:
            self.expired = True
            sock = getattr(self.conn, "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)   # wakes the blocked recv in the request's thread
            except OSError:
                pass


_current = threading.local()


def _tracked(base: type) -> type:
    class Tracked(base):  # type: ignore[valid-type, misc]
        def request(self, *args: Any, **kwargs: Any) -> Any:
            watch = getattr(_current, "watch", None)
            if watch is not None:
                with watch.lock:
                    watch.conn = self
            return super().request(*args, **kwargs)
    Tracked.__name__ = f"Tracked{base.__name__}"
    return Tracked


def _adapter_class() -> type:
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class Pool(HTTPConnectionPool):
        ConnectionCls = _tracked(HTTPConnection)

    class SPool(HTTPSConnectionPool):
        ConnectionCls = _tracked(HTTPSConnection)

    class Adapter(HTTPAdapter):
        """Pools whose connections tell the current request's watch which socket they use."""

        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": Pool, "https": SPool}
    return Adapter


class HttpClient:
    """A pooled HTTPS client for one destination. ``verify`` is True (system CAs), a CA bundle
    path, or False only when the operator explicitly asked for ``insecure``.

    Every response is bounded (a kiosk on a Pi must survive a broken proxy or a hostile server):
    ``timeout`` = (connect, read) seconds, ``total_s`` from connect to last byte, and the body is
    read in chunks up to ``max_bytes``; beyond any limit the request is a TransientError."""

    def __init__(self, verify: bool | str = True, timeout: tuple[float, float] = DEFAULT_TIMEOUT,
                 total_s: float = DEFAULT_TOTAL_S, max_bytes: int = DEFAULT_MAX_BYTES):
        import requests  # lazily: ``leadkiosk --help`` must not pay for it

        self._requests = requests
        self.session = requests.Session()
        adapter = _adapter_class()()
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = USER_AGENT
        self.verify = verify
        self.timeout = timeout
        self.total_s = total_s
        self.max_bytes = max_bytes

    def _limit_s(self) -> float:
        limit = self.total_s
        with _deadline_lock:
            if _deadline_mono is not None:
                limit = min(limit, max(1.0, _deadline_mono - time.monotonic()))
        return limit

    def request(self, method: str, url: str, *, body: bytes | None = None,
                headers: Mapping[str, str] | None = None, params: Mapping[str, str] | None = None,
                form: Mapping[str, str] | None = None) -> HttpResponse:
        exc_mod = self._requests.exceptions
        started = time.monotonic()
        limit = self._limit_s()
        watch = _Watch()
        timer = threading.Timer(limit, watch.cut)
        timer.daemon = True
        _current.watch = watch
        timer.start()
        try:
            r = self.session.request(method, url, data=form if form is not None else body,
                                     headers=dict(headers or {}), params=params,
                                     timeout=self.timeout, allow_redirects=False, stream=True,
                                     # per request, not on the session: requests lets
                                     # REQUESTS_CA_BUNDLE override a session-level setting
                                     verify=self.verify)
            try:
                content = self._read(r, url)
            finally:
                r.close()
        except exc_mod.SSLError as exc:
            if watch.expired:
                raise self._too_slow(url, limit) from None
            raise TlsError(f"{url}: TLS certificate not trusted or handshake failed ({_short(exc)}); "
                           "configure the CA (ca_file) if the server uses a private one") from None
        except exc_mod.Timeout as exc:
            raise TransientError(f"{url}: timed out ({_short(exc)})") from None
        except exc_mod.ConnectionError as exc:
            if watch.expired:
                raise self._too_slow(url, limit) from None
            raise TransientError(f"{url}: connection failed ({_short(exc)})") from None
        except exc_mod.InvalidURL as exc:
            raise PermanentError(f"{url}: invalid URL ({_short(exc)})", splittable=False) from None
        except exc_mod.RequestException as exc:
            if watch.expired:
                raise self._too_slow(url, limit) from None
            raise TransientError(f"{url}: request failed ({_short(exc)})") from None
        finally:
            timer.cancel()
            _current.watch = None
        if watch.expired:   # cut just as the last byte came in: the answer may be incomplete
            raise self._too_slow(url, limit)
        return HttpResponse(status=r.status_code, headers=r.headers, body=content, url=url,
                            elapsed_s=time.monotonic() - started)

    def _read(self, r: Any, url: str) -> bytes:
        declared = r.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise TransientError(f"{url}: answer of {int(declared)} bytes is larger than the "
                                 f"{self.max_bytes}-byte limit; not read")
        parts: list[bytes] = []
        size = 0
        for chunk in r.iter_content(_CHUNK):
            size += len(chunk)
            if size > self.max_bytes:
                raise TransientError(f"{url}: answer larger than the {self.max_bytes}-byte limit; reading stopped")
            parts.append(chunk)
        return b"".join(parts)

    @staticmethod
    def _too_slow(url: str, limit: float) -> TransientError:
        return TransientError(f"{url}: no complete answer within the {limit:.0f} s time limit "
                              "(server too slow or dripping)")

    def close(self) -> None:
        self.session.close()


def _short(exc: BaseException) -> str:
    text = str(exc)
    # urllib3 nests the useful part deep inside a long repr; keep the tail that names the cause.
    if "] " in text:
        text = text.rsplit("] ", 1)[-1]
    return text[:200]


__all__ = ["HttpClient", "HttpResponse", "check_status", "deadline", "parse_retry_after"]
