"""Sealing visitors' personal data at rest: the kiosk's keys and the store's real Sealer.

See ARCHITECTURE.md ("Sealed personal data") and SECURITY.md for the design and what a thief
holding the card can and cannot learn.
"""
from kiosk.errors import LockedError, SealError, WrongPassphrase
from kiosk.seal.keyring import KdfParams, Keyring, keys_path, shred
from kiosk.seal.sealer import KeySealer, sealer_for

__all__ = ["KdfParams", "SealError", "KeySealer", "Keyring", "LockedError", "WrongPassphrase", "keys_path",
           "sealer_for", "shred"]
