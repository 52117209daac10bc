"""The kiosk's keys and central: registering (central's public key, the central wrapper of the
private key) and unlocking without the passphrase while enrolled and not revoked.

Best effort by design: capture never waits for central, and a kiosk offline at ``keys init``
registers at the next passphrase unlock while it is online.
"""
from __future__ import annotations

import logging
from pathlib import Path

from kiosk.errors import SealError
from kiosk.seal.keyring import Keyring
from kiosk.seal.sealer import KeySealer

log = logging.getLogger("kiosk.seal")


def register_with_central(data_dir: str | Path, ring: Keyring, private_keys: dict[str, bytes] | None = None) -> str:
    """Ask central for this device's key material and record it in ``ring`` (saved). With
    ``private_keys`` (just created, or unlocked) they also get a central wrapper. Returns a line
    for the operator; raises ``SealError`` when the kiosk is not enrolled, ``SyncError`` when
    central cannot be reached or refuses."""
    from sync.device_key import fetch_device_key
    from sync.enrollment import load_credentials

    creds = load_credentials(Path(data_dir))
    if creds is None:
        raise SealError("not enrolled with a central system")
    key = fetch_device_key(creds, kiosk_public_key=ring.public_key())
    ring.set_central(key.device_id, key.central_public_key, key.wrap_key, private_keys or {})
    ring.save()
    wrapped = ", private key wrapped for unlocking through central" if private_keys else ""
    return f"registered with central {creds.url} as {key.device_id}{wrapped}"


def needs_registration(ring: Keyring) -> bool:
    return ring.central_public_key is None or not (ring.active.get("wrapped") or {}).get("central")


def register_if_needed(data_dir: str | Path, sealer: KeySealer, private_keys: dict[str, bytes]) -> str | None:
    """After a passphrase unlock: if enrolled and the newest key is not registered yet, do it now."""
    from sync.enrollment import load_credentials
    from sync.errors import SyncError

    ring = sealer.keyring
    if not needs_registration(ring):
        return None
    try:
        if load_credentials(Path(data_dir)) is None:
            return None
        return register_with_central(data_dir, ring, private_keys)
    except (SealError, SyncError) as exc:
        log.info("keys: central registration postponed: %s", exc)
        return None


def unlock_from_central(data_dir: str | Path, sealer: KeySealer) -> str:
    """Unlock with the wrap key central keeps for this device. Raises ``SealError`` when not
    enrolled/registered, ``sync.errors.AuthError`` when revoked, ``TransientError`` when offline."""
    from sync.device_key import fetch_device_key
    from sync.enrollment import load_credentials

    creds = load_credentials(Path(data_dir))
    if creds is None:
        raise SealError("not enrolled with a central system: unlock with the show passphrase")
    key = fetch_device_key(creds)
    sealer.unlock_wrap_key(key.wrap_key)
    return f"unlocked through central {creds.url}"
