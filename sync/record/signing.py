"""Standard Webhooks signing and verification, shared by the kiosk (signs) and central (verifies).

Why one module on both sides: a signature scheme implemented twice drifts apart in the details
(padding, header case, which bytes are signed), and the failure only shows in the field. Pure
stdlib (part of ``sync.record``) so ``central`` can import it without pulling in ``requests``.

Spec followed: Standard Webhooks 1.0.0,
https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
(signed content ``{webhook-id}.{webhook-timestamp}.{body}``, HMAC-SHA256, key = base64 of the part
after ``whsec_``, header ``webhook-signature`` = space-separated ``v1,<base64>`` entries, timestamps
in integer unix seconds, 5-minute tolerance against replay). The published test vector of the
reference library (libraries/python/tests/test_webhooks.py::test_sign_function) is in
``tests/sync/test_signing.py``.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Mapping

from sync.record.errors import RecordError

SECRET_PREFIX = "whsec_"
HEADER_ID = "webhook-id"
HEADER_TIMESTAMP = "webhook-timestamp"
HEADER_SIGNATURE = "webhook-signature"
DEFAULT_TOLERANCE_S = 300


class SignatureError(RecordError):
    """A signed request failed verification. ``reason`` is a short stable code a server can log
    or map to a status (all of them are 401 in the central protocol): ``missing_header``,
    ``bad_timestamp``, ``timestamp_too_old``, ``timestamp_too_new``, ``bad_secret``,
    ``no_match``."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class VerifiedMessage:
    """What a verifier needs after the signature matched: the id to check for replays."""

    msg_id: str
    timestamp: int


def new_secret(nbytes: int = 24) -> str:
    """A fresh signing secret in the spec's ``whsec_<base64>`` form (24 random bytes = 192 bits,
    the size the spec's examples use; the spec asks for 24..64 bytes)."""
    if not 24 <= nbytes <= 64:
        raise ValueError("Standard Webhooks secrets are 24 to 64 bytes")
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(nbytes)).decode("ascii")


def secret_key(secret: str | bytes) -> bytes:
    """The HMAC key: raw bytes are used as they are; a ``whsec_`` string (or bare base64) is
    decoded. Missing base64 padding is tolerated because some providers strip it."""
    if isinstance(secret, bytes):
        key = secret
    else:
        text = secret[len(SECRET_PREFIX):] if secret.startswith(SECRET_PREFIX) else secret
        text = text.strip()
        try:
            key = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise SignatureError("bad_secret", f"signing secret is not valid base64: {exc}") from None
    if not key:
        raise SignatureError("bad_secret", "signing secret is empty")
    return key


def _as_bytes(body: bytes | str) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


def _digest(key: bytes, msg_id: str, timestamp: int, body: bytes) -> bytes:
    signed = f"{msg_id}.{timestamp}.".encode("utf-8") + body
    return hmac.new(key, signed, hashlib.sha256).digest()


def sign(secret: str | bytes, msg_id: str, timestamp: int | float, body: bytes | str) -> str:
    """The ``webhook-signature`` value (``v1,<base64>``) for exactly these body bytes. The
    timestamp is truncated to whole seconds, as the header carries it."""
    digest = _digest(secret_key(secret), msg_id, int(timestamp), _as_bytes(body))
    return "v1," + base64.b64encode(digest).decode("ascii")


def sign_headers(secret: str | bytes, body: bytes | str, msg_id: str | None = None,
                 timestamp: int | float | None = None) -> dict[str, str]:
    """The three headers for one request. A fresh ``msg_id`` per request (not per lead) because
    the server refuses a reused id as a replay, and a retry is a new request."""
    mid = msg_id or f"msg_{uuid.uuid4().hex}"
    ts = int(time.time() if timestamp is None else timestamp)
    return {HEADER_ID: mid, HEADER_TIMESTAMP: str(ts),
            HEADER_SIGNATURE: sign(secret, mid, ts, body)}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    # Plain dicts are case-sensitive, HTTP headers are not: look both ways.
    value = headers.get(name)
    if value is None:
        for k, v in headers.items():
            if k.lower() == name:
                return v
    return value


def check_headers(headers: Mapping[str, str], tolerance_s: float = DEFAULT_TOLERANCE_S,
                  now: float | None = None) -> tuple[str, int, str]:
    """Everything :func:`verify` checks without the body: the three headers are present and the
    timestamp is fresh. A server calls this BEFORE reading a body, so a request that cannot pass
    costs it no memory. Returns (message id, timestamp, signature header)."""
    msg_id = _header(headers, HEADER_ID)
    ts_text = _header(headers, HEADER_TIMESTAMP)
    sig_text = _header(headers, HEADER_SIGNATURE)
    for name, value in ((HEADER_ID, msg_id), (HEADER_TIMESTAMP, ts_text), (HEADER_SIGNATURE, sig_text)):
        if not value:
            raise SignatureError("missing_header", f"missing {name} header")
    assert msg_id is not None and ts_text is not None and sig_text is not None
    try:
        timestamp = int(ts_text.strip())
    except ValueError:
        raise SignatureError("bad_timestamp", f"{HEADER_TIMESTAMP} is not integer unix seconds: {ts_text[:40]!r}") from None
    current = time.time() if now is None else now
    if timestamp < current - tolerance_s:
        raise SignatureError("timestamp_too_old", f"{HEADER_TIMESTAMP} {timestamp} is more than {tolerance_s:g}s old")
    if timestamp > current + tolerance_s:
        raise SignatureError("timestamp_too_new", f"{HEADER_TIMESTAMP} {timestamp} is more than {tolerance_s:g}s in the future")
    return msg_id, timestamp, sig_text


def verify(secret: str | bytes, headers: Mapping[str, str], body: bytes | str,
           tolerance_s: float = DEFAULT_TOLERANCE_S, now: float | None = None) -> VerifiedMessage:
    """Check a request's signature headers against the raw body bytes; raise ``SignatureError``
    unless one ``v1`` signature matches and the timestamp is within ``tolerance_s`` of ``now``.

    Replay of a still-fresh message id is not detectable here (it needs storage): the caller
    checks ``VerifiedMessage.msg_id`` against what it has seen.
    """
    msg_id, timestamp, sig_text = check_headers(headers, tolerance_s, now)
    expected = _digest(secret_key(secret), msg_id, timestamp, _as_bytes(body))
    for entry in sig_text.split(" "):
        version, sep, value = entry.partition(",")
        if not sep or version != "v1":
            continue  # other schemes (v1a = ed25519) and garbage are ignored, per the spec
        try:
            candidate = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            continue
        if hmac.compare_digest(expected, candidate):
            return VerifiedMessage(msg_id=msg_id, timestamp=timestamp)
    raise SignatureError("no_match", "no webhook-signature entry matches the body")
