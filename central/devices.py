"""Kiosk enrollment, device tokens, revocation and request authentication.

Why SHA-256 for tokens and codes rather than a slow password hash: both are long random values
(256-bit tokens, 60-bit single-use codes that expire), so a fast hash loses nothing against
guessing and keeps the per-request lookup one indexed query. The signing secret is stored in clear
because HMAC verification needs it.
"""
from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from central.db import Database
from central.errors import AuthError, Forbidden, NotFound, ReplayError
from central.models import Device, EnrollmentCode, SeenMessage, Show
from central.shows import ensure_show
from central.timeutil import aware, iso, utcnow

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a booth
REPLAY_WINDOW = timedelta(minutes=10)                # > the 5-minute timestamp tolerance both ways


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


@dataclass(frozen=True)
class AuthDevice:
    id: str
    show_id: str
    name: str
    signing_secret: str
    clock_offset_s: float | None


def new_enrollment_code(db: Database, show_id: str, *, ttl_hours: float | None = 168,
                        show_name: str | None = None, now: datetime | None = None) -> str:
    """Create the show if needed and return a fresh single-use code like ``K7QX-M2PA-9HRT``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    code = "-".join(raw[i:i + 4] for i in range(0, 12, 4))
    now = now or utcnow()
    with db.write() as conn:
        ensure_show(conn, show_id, show_name, now=now)
        conn.execute(insert(EnrollmentCode).values(
            code_hash=sha256(normalise_code(code)), show_id=show_id, created_at=now,
            expires_at=now + timedelta(hours=ttl_hours) if ttl_hours else None))
    return code


def enroll(db: Database, code: str, kiosk_name: str, now: datetime | None = None) -> dict[str, Any]:
    """Exchange a code for a device token and signing secret, once (if unexpired at ``now``)."""
    from sync.record.signing import new_secret
    now = now or utcnow()
    device_id = "dev_" + uuid.uuid4().hex[:20]
    token = "lkd_" + secrets.token_urlsafe(32)
    secret = new_secret()
    with db.write() as conn:
        claimed = conn.execute(
            update(EnrollmentCode)
            .where(EnrollmentCode.code_hash == sha256(normalise_code(code)), EnrollmentCode.used_at.is_(None),
                   (EnrollmentCode.expires_at.is_(None)) | (EnrollmentCode.expires_at > now))
            .values(used_at=now, device_id=device_id)
            .returning(EnrollmentCode.show_id)).first()
        if claimed is None:
            raise Forbidden("enrollment code is unknown, expired or already used")
        show_id = claimed[0]
        conn.execute(insert(Device).values(id=device_id, show_id=show_id, name=kiosk_name[:200], token_hash=sha256(token),
                                           signing_secret=secret, enrolled_at=now))
        show_name = conn.execute(select(Show.name).where(Show.id == show_id)).scalar_one()
    return {"device_id": device_id, "token": token, "signing_secret": secret, "show_id": show_id,
            "show_name": show_name}


def revoke(db: Database, device_id: str, now: datetime | None = None) -> dict[str, Any]:
    with db.write() as conn:
        row = conn.execute(select(Device.id, Device.revoked_at).where(Device.id == device_id)).first()
        if row is None:
            raise NotFound(f"no device {device_id!r}")
        at = aware(row.revoked_at) or now or utcnow()
        if row.revoked_at is None:
            conn.execute(update(Device).where(Device.id == device_id).values(revoked_at=at))
    return {"device_id": device_id, "revoked_at": iso(at)}


def list_devices(db: Database, show_id: str | None = None) -> list[dict[str, Any]]:
    q = select(Device).order_by(Device.show_id, Device.enrolled_at)
    if show_id:
        q = q.where(Device.show_id == show_id)
    with db.session() as s:
        return [{"device_id": d.id, "show_id": d.show_id, "name": d.name, "enrolled_at": iso(d.enrolled_at),
                 "revoked_at": iso(d.revoked_at), "last_seen_at": iso(d.last_seen_at),
                 "last_sync_at": iso(d.last_sync_at), "last_ingest_at": iso(d.last_ingest_at),
                 "pending": d.pending_json or {}, "clock_offset_s": d.clock_offset_s}
                for d in s.scalars(q)]


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise AuthError("missing Authorization: Bearer <device token>")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("Authorization header must be 'Bearer <device token>'")
    return token.strip()


def authenticate(conn: Connection, authorization: str | None) -> AuthDevice:
    token = bearer_token(authorization)
    row = conn.execute(select(Device.id, Device.show_id, Device.name, Device.signing_secret, Device.revoked_at,
                              Device.clock_offset_s).where(Device.token_hash == sha256(token))).first()
    if row is None:
        raise AuthError("unknown device token")
    if row.revoked_at is not None:
        raise AuthError("device token revoked")
    return AuthDevice(row.id, row.show_id, row.name, row.signing_secret, row.clock_offset_s)


def verify_signature(device: AuthDevice, headers: dict[str, str], body: bytes, now: float) -> str:
    """Standard Webhooks verification via the one shared implementation; returns the message id."""
    from sync.record.signing import SignatureError, verify
    try:
        msg = verify(device.signing_secret, headers, body, now=now)
    except SignatureError as exc:
        raise AuthError(f"signature rejected ({exc.reason}): {exc}") from None
    if len(msg.msg_id) > 200:
        raise AuthError("webhook-id longer than 200 characters")
    return msg.msg_id


def remember_message(conn: Connection, device_id: str, msg_id: str, at: datetime) -> None:
    """Refuse a reused ``webhook-id``; the insert is the check, so two copies racing each other
    cannot both pass. Runs in its own transaction, so the savepoint keeps the caller's intact."""
    try:
        with conn.begin_nested():
            conn.execute(insert(SeenMessage).values(device_id=device_id, webhook_id=msg_id, at=at))
    except IntegrityError:
        raise ReplayError(f"webhook-id {msg_id[:80]!r} was already used (replayed request)") from None


def purge_seen(conn: Connection, now: datetime) -> int:
    from sqlalchemy import delete
    return conn.execute(delete(SeenMessage).where(SeenMessage.at < now - REPLAY_WINDOW)).rowcount or 0
