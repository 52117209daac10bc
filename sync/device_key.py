"""The kiosk's call for its device key material: ``POST /api/v1/device-key`` (signed).

Central answers with its public key for this device (the kiosk seals personal data to it, so a
locked kiosk still delivers readable leads) and the wrap key (the kiosk unlocks its own private
key with it, without the show passphrase). A revoked device is refused like any other request.
"""
from __future__ import annotations

from dataclasses import dataclass

from sync.enrollment import CentralCredentials
from sync.errors import SyncError
from sync.sealed_record import SealedRecordError, b64, unb64


@dataclass(frozen=True)
class DeviceKey:
    device_id: str
    central_public_key: bytes
    wrap_key: bytes


def fetch_device_key(creds: CentralCredentials, kiosk_public_key: bytes | None = None,
                     timeout: tuple[float, float] = (5.0, 10.0)) -> DeviceKey:
    """Raises ``AuthError`` (revoked/unknown device), ``TransientError`` (offline) or ``SyncError``."""
    from sync.transports.central import CentralTransport

    transport = CentralTransport(creds, timeout=timeout)
    try:
        resp = transport.post("/api/v1/device-key",
                              {"kiosk_public_key": b64(kiosk_public_key) if kiosk_public_key else None})
        data = resp.json()
    finally:
        transport.close()
    try:
        key = DeviceKey(str(data["device_id"]), unb64(data["central_public_key"], "central_public_key"),
                        unb64(data["wrap_key"], "wrap_key"))
    except (KeyError, TypeError, SealedRecordError) as exc:
        raise SyncError(f"device-key: unexpected answer from central ({exc})") from None
    if len(key.central_public_key) != 32 or len(key.wrap_key) != 32:
        raise SyncError("device-key: central's keys must be 32 bytes each")
    return key
