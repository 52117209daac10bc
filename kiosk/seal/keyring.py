"""The kiosk's key file ``DATA/keys/kiosk.keys``: public keys in clear, private keys only wrapped.

Layout (JSON, mode 0600, written atomically):

```
{"format": "leadkiosk-keys", "version": 1,
 "dedup_key": "<base64, 32 bytes, in clear: see SECURITY.md>",
 "central": {"device_id": "...", "public_key": "<base64>"} | null,
 "keys": [{"kid": "k-<hex>", "public_key": "<base64>", "created_at": "<iso>",
           "wrapped": {"passphrase": {"kdf": "argon2id13", "opslimit": 2, "memlimit": 33554432,
                                      "salt": "<base64>", "box": "<base64 secretbox>"},
                       "central": {"box": "<base64 secretbox under central's wrap key>"} | null}}]}
```
The last entry of ``keys`` seals new records; older generations (after ``keys init --rotate``)
stay so their records remain readable. Every wrapper is a libsodium secretbox (XSalsa20-Poly1305)
of the 32-byte X25519 private key; a wrong passphrase or wrap key fails authentication.
"""
from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sync.atomicfile import atomic_write
from kiosk.errors import SealError, WrongPassphrase
from sync.sealed_record import SealedRecordError, b64, unb64

KEYS_DIR = "keys"
KEYS_FILE = "kiosk.keys"
FORMAT = "leadkiosk-keys"
# Argon2id cost: about 0.12-0.3 s on this (shared, x86) machine and, by the usual 3-5x ratio of
# a Cortex-A72 for memory-hard hashing, about 0.5 s on a Raspberry Pi 4 (see SECURITY.md and
# bench/store_bench.py). Stored per wrapper, so a retuned build still opens older files.
KDF_OPSLIMIT = 2
KDF_MEMLIMIT = 32 * 1024 * 1024




def keys_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / KEYS_DIR / KEYS_FILE


@dataclass(frozen=True)
class KdfParams:
    opslimit: int = KDF_OPSLIMIT
    memlimit: int = KDF_MEMLIMIT


def _kdf(passphrase: str, salt: bytes, ops: int, mem: int) -> bytes:
    from nacl.pwhash import argon2id
    return argon2id.kdf(32, passphrase.encode("utf-8"), salt, opslimit=ops, memlimit=mem)


def _secretbox(key: bytes) -> Any:
    from nacl.secret import SecretBox
    return SecretBox(key)


def wrap_with_passphrase(private_key: bytes, passphrase: str, kdf: KdfParams) -> dict[str, Any]:
    from nacl.pwhash import argon2id
    salt = secrets.token_bytes(argon2id.SALTBYTES)
    key = _kdf(passphrase, salt, kdf.opslimit, kdf.memlimit)
    return {"kdf": "argon2id13", "opslimit": kdf.opslimit, "memlimit": kdf.memlimit, "salt": b64(salt),
            "box": b64(bytes(_secretbox(key).encrypt(private_key)))}


def unwrap_with_passphrase(wrapper: dict[str, Any], passphrase: str) -> bytes:
    from nacl.exceptions import CryptoError
    try:
        key = _kdf(passphrase, unb64(wrapper["salt"], "salt"), int(wrapper["opslimit"]), int(wrapper["memlimit"]))
        return bytes(_secretbox(key).decrypt(unb64(wrapper["box"], "box")))
    except CryptoError:
        raise WrongPassphrase("wrong passphrase: it does not open this kiosk's key") from None
    except (KeyError, TypeError, ValueError, SealedRecordError) as exc:
        raise SealError(f"passphrase wrapper of the key file is damaged ({exc})") from None


def wrap_with_key(private_key: bytes, wrap_key: bytes) -> dict[str, Any]:
    return {"box": b64(bytes(_secretbox(wrap_key).encrypt(private_key)))}


def unwrap_with_key(wrapper: dict[str, Any], wrap_key: bytes) -> bytes:
    from nacl.exceptions import CryptoError
    try:
        return bytes(_secretbox(wrap_key).decrypt(unb64(wrapper["box"], "box")))
    except CryptoError:
        raise SealError("central's key does not open this kiosk's key (keys rotated on another device?)") from None
    except (KeyError, TypeError, ValueError, SealedRecordError) as exc:
        raise SealError(f"central wrapper of the key file is damaged ({exc})") from None


class Keyring:
    """The key file as data: load, change, save. No private key is ever kept in it unwrapped."""

    def __init__(self, data: dict[str, Any], path: Path) -> None:
        self.data = data
        self.path = path

    # -- reading ----------------------------------------------------------------------------
    @classmethod
    def load(cls, data_dir: str | Path) -> "Keyring | None":
        """None when the data directory has no keys (records are then stored as they are)."""
        path = keys_path(data_dir)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, NotADirectoryError):
            return None
        except (OSError, ValueError) as exc:
            raise SealError(f"{path}: cannot read the key file ({exc}); restore it from a backup "
                            "or unlock through central after `leadkiosk keys init --rotate`") from None
        problems = []
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise SealError(f"{path}: not a leadkiosk key file (format must be {FORMAT!r})")
        if raw.get("wiped_at"):
            raise SealError(f"{path}: this kiosk's keys were wiped at {raw['wiped_at']}; nothing can be "
                            "captured until `leadkiosk keys init` makes new ones")
        if not isinstance(raw.get("keys"), list) or not raw["keys"]:
            problems.append("keys: expected a non-empty list")
        if not isinstance(raw.get("dedup_key"), str):
            problems.append("dedup_key: expected base64 text")
        for i, k in enumerate(raw.get("keys") or []):
            if not isinstance(k, dict) or not all(isinstance(k.get(f), str) for f in ("kid", "public_key")):
                problems.append(f"keys[{i}]: expected kid and public_key")
        if problems:
            raise SealError(f"{path}: " + "; ".join(problems))
        return cls(raw, path)

    @property
    def dedup_key(self) -> bytes:
        return unb64(self.data["dedup_key"], "dedup_key")

    @property
    def active(self) -> dict[str, Any]:
        return self.data["keys"][-1]

    def public_key(self, kid: str | None = None) -> bytes:
        entry = self.active if kid is None else self.entry(kid)
        return unb64(entry["public_key"], "public_key")

    def entry(self, kid: str) -> dict[str, Any]:
        for k in self.data["keys"]:
            if k["kid"] == kid:
                return k
        raise SealError(f"{self.path}: no key {kid!r} (the record was sealed with a key this kiosk no longer has)")

    @property
    def central_public_key(self) -> bytes | None:
        central = self.data.get("central") or {}
        return unb64(central["public_key"], "central.public_key") if central.get("public_key") else None

    # -- unlocking ----------------------------------------------------------------------------
    def unlock_with_passphrase(self, passphrase: str) -> dict[str, bytes]:
        """Private keys by kid. The newest key must open; older generations that were wrapped
        with another passphrase stay closed (their records show as sealed)."""
        keys: dict[str, bytes] = {}
        for entry in reversed(self.data["keys"]):
            wrapper = (entry.get("wrapped") or {}).get("passphrase")
            if not wrapper:
                continue
            try:
                keys[entry["kid"]] = unwrap_with_passphrase(wrapper, passphrase)
            except WrongPassphrase:
                if entry is self.active:
                    raise
        if self.active["kid"] not in keys:
            raise SealError(f"{self.path}: the newest key has no passphrase wrapper")
        return keys

    def unlock_with_wrap_key(self, wrap_key: bytes) -> dict[str, bytes]:
        keys: dict[str, bytes] = {}
        for entry in self.data["keys"]:
            wrapper = (entry.get("wrapped") or {}).get("central")
            if wrapper:
                try:
                    keys[entry["kid"]] = unwrap_with_key(wrapper, wrap_key)
                except SealError:
                    if entry is self.active:
                        raise
        if self.active["kid"] not in keys:
            raise SealError("this kiosk's key is not registered with central yet (run `leadkiosk keys init "
                            "--rotate` while enrolled and online, or unlock with the show passphrase)")
        return keys

    # -- changing ---------------------------------------------------------------------------
    @classmethod
    def create(cls, data_dir: str | Path, passphrase: str, kdf: KdfParams = KdfParams(),
               now: datetime | None = None, previous: "Keyring | None" = None) -> tuple["Keyring", bytes]:
        """A new key generation (and a new file unless ``previous`` is given). Returns the keyring
        and the new private key (for registering its central wrapper; never written in clear)."""
        from nacl.public import PrivateKey

        if not passphrase:
            raise SealError("the show passphrase must not be empty")
        private = PrivateKey.generate()
        when = (now or datetime.now(timezone.utc)).isoformat(timespec="seconds").replace("+00:00", "Z")
        entry = {"kid": "k-" + secrets.token_hex(6), "public_key": b64(bytes(private.public_key)),
                 "created_at": when, "wrapped": {"passphrase": wrap_with_passphrase(bytes(private), passphrase, kdf),
                                                 "central": None}}
        if previous is not None:
            data = previous.data
            data["keys"].append(entry)
        else:
            data = {"format": FORMAT, "version": 1, "dedup_key": b64(secrets.token_bytes(32)),
                    "central": None, "keys": [entry]}
        return cls(data, keys_path(data_dir)), bytes(private)

    def set_central(self, device_id: str, central_public_key: bytes, wrap_key: bytes,
                    private_keys: dict[str, bytes]) -> None:
        """Record central's public key for this device and wrap the given private keys with the
        wrap key central keeps (and hands back only to this device while it is not revoked)."""
        self.data["central"] = {"device_id": device_id, "public_key": b64(central_public_key)}
        for entry in self.data["keys"]:
            if entry["kid"] in private_keys:
                entry.setdefault("wrapped", {})["central"] = wrap_with_key(private_keys[entry["kid"]], wrap_key)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write(self.path, json.dumps(self.data, indent=1, sort_keys=True), mode=0o600)


def is_wiped(data_dir: str | Path) -> bool:
    try:
        raw = json.loads(keys_path(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(raw, dict) and bool(raw.get("wiped_at"))


def shred(data_dir: str | Path, now: datetime | None = None) -> bool:
    """Crypto-shredding: overwrite the key file in place (so the blocks the file system reuses
    do not keep it), fsync, then replace it by a tombstone ``{"format", "wiped_at"}``: without the
    key the sealed records are noise, and the tombstone stops the store from capturing in clear
    until new keys are made. Returns False when there was no key file."""
    path = keys_path(data_dir)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    with open(path, "r+b") as fh:
        fh.write(secrets.token_bytes(max(size, 1)))
        fh.flush()
        os.fsync(fh.fileno())
    path.unlink()
    when = (now or datetime.now(timezone.utc)).isoformat(timespec="seconds").replace("+00:00", "Z")
    atomic_write(path, json.dumps({"format": FORMAT, "version": 1, "wiped_at": when}), mode=0o600)
    return True
