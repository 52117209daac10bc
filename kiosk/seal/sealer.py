"""The real :class:`kiosk.store.sealing.Sealer`: seals with public keys, opens only when unlocked.

Sealing needs no secret (the kiosk's and central's public keys), so capture works locked, in
self-serve mode and after a reboot. Unlocking puts the private key(s) in this object's memory
only; :meth:`lock` drops them. The key file is re-read when it changes on disk (``keys init``
run beside a running kiosk, central registered later), so new records use the newest keys.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Callable, Mapping

from kiosk.seal.keyring import Keyring, SealError, keys_path
from sync.sealed_record import (SEALED_VERSION, SealedRecordError, apply_overlays, change_payload, dedup_hash,
                                is_sealed, join_personal, normalise_email, normalise_registration_id, open_box,
                                open_overlay, personal_digest, seal_to, split_personal)

log = logging.getLogger("kiosk.seal")


class KeySealer:
    """Seals records for this kiosk's data directory. Thread-safe; ``on_change`` is called after
    every lock/unlock (the UI refreshes its lists)."""

    def __init__(self, data_dir: str | Path, keyring: Keyring | None = None) -> None:
        self.data_dir = Path(data_dir)
        self._lock = threading.RLock()
        self._keyring = keyring or Keyring.load(self.data_dir)
        if self._keyring is None:
            raise SealError(f"{keys_path(self.data_dir)}: no keys; run `leadkiosk keys init`")
        self._stamp = self._file_stamp()
        self._private: dict[str, bytes] = {}
        self.on_change: list[Callable[[bool], None]] = []

    # -- state ---------------------------------------------------------------------------------
    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            st = keys_path(self.data_dir).stat()
            return (st.st_mtime_ns, st.st_size)
        except OSError:
            return None

    @property
    def keyring(self) -> Keyring:
        """The key file, re-read if it changed on disk (a bad new file keeps the last good one)."""
        stamp = self._file_stamp()
        if stamp != self._stamp and stamp is not None:
            try:
                fresh = Keyring.load(self.data_dir)
                if fresh is not None:
                    self._keyring = fresh
            except SealError as exc:
                log.warning("keys: %s (keeping the keys loaded before)", exc)
            self._stamp = stamp
        return self._keyring  # type: ignore[return-value]

    @property
    def locked(self) -> bool:
        return not self._private

    def unlock_passphrase(self, passphrase: str) -> None:
        keys = self.keyring.unlock_with_passphrase(passphrase)
        self._set(keys)

    def unlock_wrap_key(self, wrap_key: bytes) -> None:
        self._set(self.keyring.unlock_with_wrap_key(wrap_key))

    def _set(self, keys: dict[str, bytes]) -> None:
        with self._lock:
            self._private = dict(keys)
        self._changed()

    def unlocked_keys(self) -> dict[str, bytes]:
        """The private keys now in memory (for wrapping them for central right after an unlock)."""
        with self._lock:
            return dict(self._private)

    def lock(self) -> None:
        with self._lock:
            self._private = {}
        self._changed()

    def _changed(self) -> None:
        for hook in list(self.on_change):
            try:
                hook(self.locked)
            except Exception:  # noqa: BLE001 - a UI hook must never stop a lock
                log.exception("keys: change hook failed")

    # -- the Sealer protocol ----------------------------------------------------------------------
    def seal(self, record: dict[str, Any]) -> dict[str, Any]:
        if is_sealed(record) or record.get("purged"):
            return record
        ring = self.keyring
        clear, payload = split_personal(record)
        central = ring.central_public_key
        contact = payload["contact"]
        key = ring.dedup_key
        clear["sealed"] = {
            "v": SEALED_VERSION, "kid": ring.active["kid"],
            "box": seal_to(ring.public_key(), payload),
            "central": seal_to(central, payload) if central else None,
            "dedup": {"registration_id": dedup_hash(key, "registration_id",
                                                    normalise_registration_id(contact.get("registration_id"))),
                      "email": dedup_hash(key, "email", normalise_email(contact.get("email")))},
            "digest": personal_digest(key, payload),
        }
        return clear

    def needs_seal(self, stored: Mapping[str, Any]) -> bool:
        if is_sealed(stored) or stored.get("purged"):
            return False
        contact = stored.get("contact") or {}
        return bool(stored.get("notes")) or any(v for k, v in contact.items() if k != "format")

    def reveal(self, stored: dict[str, Any]) -> dict[str, Any]:
        sealed = stored.get("sealed")
        if not isinstance(sealed, dict):
            return stored
        with self._lock:
            private = self._private.get(str(sealed.get("kid")))
        if private is None:
            return stored
        what = f"lead {stored.get('id')}: sealed"
        payload = open_box(private, sealed.get("box"), f"{what}.box")
        overlays = [open_overlay(private, ov.get("box") if isinstance(ov, dict) else None, f"{what}.overlays[{i}]")
                    for i, ov in enumerate(sealed.get("overlays") or [])]
        return join_personal(stored, apply_overlays(payload, overlays))

    def seal_change(self, sealed: Mapping[str, Any], changes: Mapping[str, Any], history_index: int) -> dict[str, Any]:
        """Personal changes made while locked (a duplicate badge updating a lead): sealed as an
        overlay on the existing boxes, to the same keys, without opening them. The next edit
        while unlocked folds everything into fresh boxes."""
        ring = self.keyring
        ov = change_payload(changes, history_index)
        kid = str(sealed.get("kid"))
        try:
            public = ring.public_key(kid)
        except SealError:
            public = ring.public_key()
        central = ring.central_public_key
        out = dict(sealed)
        out["overlays"] = list(sealed.get("overlays") or []) + [
            {"box": seal_to(public, ov), "central": seal_to(central, ov) if central and sealed.get("central") else None}]
        dedup = dict(sealed.get("dedup") or {})
        contact = ov.get("contact") or {}
        key = ring.dedup_key
        if "email" in contact:
            dedup["email"] = dedup_hash(key, "email", normalise_email(contact.get("email")))
        if "registration_id" in contact:
            dedup["registration_id"] = dedup_hash(key, "registration_id",
                                                  normalise_registration_id(contact.get("registration_id")))
        out["dedup"] = dedup
        out["digest"] = None  # the full payload is not known while locked
        return out

    def dedup_keys(self, registration_id: Any, email: Any) -> tuple[str | None, str | None]:
        key = self.keyring.dedup_key
        return (dedup_hash(key, "registration_id", normalise_registration_id(registration_id)),
                dedup_hash(key, "email", normalise_email(email)))

    def same_personal(self, stored: Mapping[str, Any], clear: Mapping[str, Any]) -> bool:
        sealed = stored.get("sealed")
        if not isinstance(sealed, dict):
            return stored.get("contact") == clear.get("contact") and stored.get("notes") == clear.get("notes")
        _, payload = split_personal(clear)
        return sealed.get("digest") == personal_digest(self.keyring.dedup_key, payload)


def sealer_for(data_dir: str | Path) -> "KeySealer | None":
    """The (locked) sealer for a data directory with keys, else None."""
    ring = Keyring.load(data_dir)
    return KeySealer(data_dir, ring) if ring is not None else None


__all__ = ["KeySealer", "SealedRecordError", "sealer_for"]
