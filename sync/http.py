"""The one place that calls ``requests``: every library exception and every HTTP status becomes a
``sync.errors`` error here, so transports and the worker never see ``requests`` types.

Why a thin wrapper instead of ``requests`` everywhere: the retry policy (what is transient, what is
the item's fault, what is a credentials problem) must be the same for every destination, and it
is decided by status code and a few headers, which is easiest to keep honest in one module.
"""
from __future__ import annotations

import email.utils
import json
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

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


class HttpClient:
    """A pooled HTTPS client for one destination. ``verify`` is True (system CAs), a CA bundle
    path, or False only when the operator explicitly asked for ``insecure``."""

    def __init__(self, verify: bool | str = True, timeout: tuple[float, float] = DEFAULT_TIMEOUT):
        import requests  # lazily: ``leadkiosk --help`` must not pay for it

        self._requests = requests
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.verify = verify
        self.timeout = timeout

    def request(self, method: str, url: str, *, body: bytes | None = None,
                headers: Mapping[str, str] | None = None, params: Mapping[str, str] | None = None,
                form: Mapping[str, str] | None = None) -> HttpResponse:
        exc_mod = self._requests.exceptions
        started = time.monotonic()
        try:
            r = self.session.request(method, url, data=form if form is not None else body,
                                     headers=dict(headers or {}), params=params,
                                     timeout=self.timeout, allow_redirects=False,
                                     # per request, not on the session: requests lets
                                     # REQUESTS_CA_BUNDLE override a session-level setting
                                     verify=self.verify)
            content = r.content
        except exc_mod.SSLError as exc:
            raise TlsError(f"{url}: TLS certificate not trusted or handshake failed ({_short(exc)}); "
                           "configure the CA (ca_file) if the server uses a private one") from None
        except exc_mod.Timeout as exc:
            raise TransientError(f"{url}: timed out ({_short(exc)})") from None
        except exc_mod.ConnectionError as exc:
            raise TransientError(f"{url}: connection failed ({_short(exc)})") from None
        except exc_mod.InvalidURL as exc:
            raise PermanentError(f"{url}: invalid URL ({_short(exc)})", splittable=False) from None
        except exc_mod.RequestException as exc:
            raise TransientError(f"{url}: request failed ({_short(exc)})") from None
        return HttpResponse(status=r.status_code, headers=r.headers, body=content, url=url,
                            elapsed_s=time.monotonic() - started)

    def close(self) -> None:
        self.session.close()


def _short(exc: BaseException) -> str:
    text = str(exc)
    # urllib3 nests the useful part deep inside a long repr; keep the tail that names the cause.
    if "] " in text:
        text = text.rsplit("] ", 1)[-1]
    return text[:200]


__all__ = ["HttpClient", "HttpResponse", "check_status", "parse_retry_after"]
