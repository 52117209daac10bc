"""Security headers on every response of central (the kiosk API and the review app alike).

Why one global ASGI middleware instead of per-page headers: pages are added by several people and a
page that forgets its headers is the one that gets framed or cached. The policy allows scripts and
styles only from this origin (no inline script: the review app's JavaScript lives in static files;
inline ``style=`` attributes are allowed because they cannot run code), forbids framing, MIME
sniffing and cross-site referrers, and marks everything except static files ``no-store`` because
pages, exports and API answers are full of visitors' personal data that must not linger in a
shared browser's or proxy's cache.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
STATIC_PREFIX = "/static/"

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def security_headers(path: str, https: bool) -> list[tuple[bytes, bytes]]:
    """The headers every response to ``path`` carries (besides what the handler set)."""
    headers = [(b"content-security-policy", CSP.encode()), (b"x-frame-options", b"DENY"),
               (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
               (b"cross-origin-opener-policy", b"same-origin")]
    if https:
        headers.append((b"strict-transport-security", b"max-age=31536000"))
    return headers


class SecurityHeadersMiddleware:
    """Adds :func:`security_headers`, and ``Cache-Control: no-store`` unless the path is a static
    file or the handler chose its own caching."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        extra = security_headers(path, scope.get("scheme") == "https")
        static = path.startswith(STATIC_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in extra if k not in present]
                if not static and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def is_https(scope_scheme: str) -> bool:
    """Whether the request reached us over HTTPS. The scheme is already the proxy's
    ``X-Forwarded-Proto`` when (and only when) the peer is a configured trusted proxy:
    :class:`uvicorn.middleware.proxy_headers.ProxyHeadersMiddleware` is installed with exactly
    those addresses and uvicorn's own (trust 127.0.0.1) handling is switched off."""
    return scope_scheme in ("https", "wss")
