"""What every route needs: the app's Database/Settings, reading a bounded raw body, and the signed
request check (token, then signature and timestamp, then replay), in that order so an attacker
without the secret cannot burn message ids.

The token and the signature headers' presence and freshness are checked BEFORE the body is read
(:func:`preauthorize`): a client with a bad token gets its 401 while it is still sending, and the
body it announced never occupies memory. Bodies that are read go through a per-process
:class:`BodyGate`: at most ``[limits] max_concurrent_bodies`` at once and each within
``body_timeout_s``, so even valid tokens cannot pin the process's memory or its connections."""
from __future__ import annotations

import asyncio
import json
import random
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

import orjson
from fastapi import Request
from sqlalchemy import Connection

from central.db import Database
from central.devices import AuthDevice, authenticate, purge_seen, remember_message, verify_signature
from central.errors import AuthError, BadRequest, Busy, Forbidden, PayloadTooLarge, RequestTimeout
from central.settings import Settings
from central.timeutil import utcnow

_RISKY_ESCAPE = re.compile(rb"\\u(0000|d[89a-f])", re.IGNORECASE)


def state(request: Request) -> tuple[Database, Settings]:
    return request.app.state.db, request.app.state.settings


class BodyGate:
    """Bounds how many request bodies one process reads at once and how long each may take.
    Waiting for a slot is short (a kiosk retries a 503 with backoff) so a flood of slow senders
    cannot queue up behind the slots either."""

    def __init__(self, max_concurrent: int, timeout_s: float, wait_s: float = 5.0) -> None:
        self.max_concurrent = max_concurrent
        self.timeout_s = timeout_s
        self.wait_s = min(wait_s, timeout_s / 4)
        self._slots: asyncio.Semaphore | None = None  # made on first use, inside the server's loop

    async def read(self, request: Request, limit: int) -> bytes:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_concurrent)
        try:
            await asyncio.wait_for(self._slots.acquire(), self.wait_s)
        except (asyncio.TimeoutError, TimeoutError):
            raise Busy("too many uploads at once, retry shortly") from None
        try:
            return await asyncio.wait_for(read_body(request, limit), self.timeout_s)
        except (asyncio.TimeoutError, TimeoutError):
            raise RequestTimeout(f"request body not received within {self.timeout_s:g} s") from None
        finally:
            self._slots.release()


def body_gate(request: Request) -> BodyGate:
    gate = getattr(request.app.state, "body_gate", None)
    if gate is None:
        settings = request.app.state.settings
        gate = request.app.state.body_gate = BodyGate(settings.max_concurrent_bodies, settings.body_timeout_s)
    return gate


def preauthorize(db: Database, authorization: str | None, headers: Mapping[str, str],
                 now: datetime | None = None) -> AuthDevice:
    """Token, then the signature headers' presence and timestamp: all that can be checked
    without the body. Raises AuthError (401)."""
    from sync.record.signing import SignatureError, check_headers
    with db.begin() as conn:
        device = authenticate(conn, authorization)
    try:
        check_headers(headers, now=(now or utcnow()).timestamp())
    except SignatureError as exc:
        raise AuthError(f"signature rejected ({exc.reason}): {exc}") from None
    return device


async def read_body(request: Request, limit: int) -> bytes:
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise PayloadTooLarge(f"request body over {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"request body over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json_object(body: bytes) -> dict[str, Any]:
    """orjson on the hot path; the standard library (strict about NaN, lenient about lone
    surrogates, which are then rejected per lead) when orjson refuses the body."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        data = None
    try:
        if data is None:
            data = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise BadRequest(f"body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadRequest("body must be a JSON object")
    return data


def risky_unicode(body: bytes) -> bool:
    """Cheap pre-check: only bodies with \\u0000 or surrogate escapes get the per-lead Unicode check."""
    return bool(_RISKY_ESCAPE.search(body))


@dataclass
class SignedRequest:
    device: AuthDevice
    now: datetime
    msg_id: str


def check_signed(db: Database, authorization: str | None, headers: dict[str, str], body: bytes,
                 now: datetime | None = None, device: AuthDevice | None = None) -> SignedRequest:
    """Token and signature (read only); ``device`` when :func:`preauthorize` found it already.
    The replay check is ``remember`` inside the caller's write transaction, so the message id
    and what the request stored commit together."""
    now = now or utcnow()
    if device is None:
        with db.begin() as conn:
            device = authenticate(conn, authorization)
    msg_id = verify_signature(device, headers, body, now.timestamp())
    return SignedRequest(device, now, msg_id)


def remember(conn: Connection, signed: SignedRequest) -> None:
    remember_message(conn, signed.device.id, signed.msg_id, signed.now)
    if random.random() < 0.01:  # keep the replay table small without a scheduler
        purge_seen(conn, signed.now)


def check_device(db: Database, authorization: str | None) -> AuthDevice:
    with db.begin() as conn:
        return authenticate(conn, authorization)


def check_admin(settings: Settings, authorization: str | None) -> None:
    if not settings.admin_token_sha256:
        raise Forbidden("admin API disabled: set [admin] token_env in the central config or LEADKIOSK_ADMIN_TOKEN")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not settings.admin_token_ok(token.strip()):
        raise AuthError("admin token missing or wrong")
