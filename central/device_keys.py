"""Central's side of sealed personal data: one key pair and one wrap key per enrolled kiosk.

Why per device: a kiosk reported lost is revoked, and from then on its signed requests fail
authentication, so it never gets its wrap key again (it can no longer unlock itself); the key
pair is per device so one kiosk's sealed blobs say nothing about another's. Central holds these
in its database like the leads themselves: central is the trusted side that stores leads in clear.
"""
from __future__ import annotations

import base64
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from central.db import Database
from central.devices import AuthDevice
from central.errors import BadRequest
from central.models import DeviceKey
from central.timeutil import utcnow


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def device_key(db: Database, device: AuthDevice, kiosk_public_key: str | None = None,
               now: datetime | None = None) -> dict[str, Any]:
    """The calling kiosk's central public key and wrap key, made on first use. ``kiosk_public_key``
    (base64, 32 bytes) is recorded for the audit trail when given."""
    from nacl.public import PrivateKey

    if kiosk_public_key is not None:
        try:
            raw = base64.b64decode(kiosk_public_key, validate=True)
        except ValueError:
            raw = b""
        if len(raw) != 32:
            raise BadRequest("kiosk_public_key: expected base64 of 32 bytes")
    now = now or utcnow()
    with db.write() as conn:
        row = conn.execute(select(DeviceKey.central_public_key, DeviceKey.wrap_key, DeviceKey.kiosk_public_key)
                           .where(DeviceKey.device_id == device.id)).first()
        if row is None:
            private = PrivateKey.generate()
            values = {"device_id": device.id, "central_public_key": _b64(bytes(private.public_key)),
                      "central_private_key": _b64(bytes(private)), "wrap_key": _b64(secrets.token_bytes(32)),
                      "kiosk_public_key": kiosk_public_key, "created_at": now, "updated_at": now}
            conn.execute(insert(DeviceKey).values(**values))
            public, wrap = values["central_public_key"], values["wrap_key"]
        else:
            public, wrap = row.central_public_key, row.wrap_key
            if kiosk_public_key is not None and kiosk_public_key != row.kiosk_public_key:
                conn.execute(update(DeviceKey).where(DeviceKey.device_id == device.id)
                             .values(kiosk_public_key=kiosk_public_key, updated_at=now))
    return {"device_id": device.id, "central_public_key": public, "wrap_key": wrap}


def central_private_key(conn: Connection, device_id: str) -> bytes | None:
    """For ingest: the private key that opens what this device sealed to central."""
    value = conn.execute(select(DeviceKey.central_private_key).where(DeviceKey.device_id == device_id)).scalar()
    return base64.b64decode(value) if value else None
