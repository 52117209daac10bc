"""Kiosk keys for tests: a real key file with the cheapest Argon2id cost (the cost is stored per
wrapper, so this exercises the same code as the tuned default, only faster)."""
from __future__ import annotations

from pathlib import Path

from kiosk.seal import KdfParams, Keyring, KeySealer

FAST_KDF = KdfParams(opslimit=1, memlimit=8192 * 1024)
PASSPHRASE = "correct horse battery staple"


def make_keys(data_dir: Path, passphrase: str = PASSPHRASE) -> Keyring:
    ring, _ = Keyring.create(data_dir, passphrase, FAST_KDF)
    ring.save()
    return ring


def unlocked_sealer(data_dir: Path, passphrase: str = PASSPHRASE) -> KeySealer:
    if Keyring.load(data_dir) is None:
        make_keys(data_dir, passphrase)
    sealer = KeySealer(data_dir)
    sealer.unlock_passphrase(passphrase)
    return sealer
