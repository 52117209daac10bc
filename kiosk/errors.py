"""The kiosk package's one exception hierarchy.

Library errors (OpenCV, TinyDB, OSError, zxing) are translated into these at the boundary that
calls the library, so screens and the CLI only ever catch ``KioskError``. The store's errors are
also ``sync.errors.StoreRefused``: the sync worker, handed the store, catches that.
"""
from sync.errors import StoreRefused


class KioskError(Exception):
    """Base of every error the kiosk raises on purpose."""


class ConfigError(KioskError):
    """A config file is wrong; the message names the file, the key path and what was expected."""


class CameraError(KioskError):
    """A frame source could not be opened or stopped delivering frames."""


class BadgeParseError(KioskError):
    """A badge payload could not be turned into a contact (the raw text is still kept)."""


class StoreError(KioskError, StoreRefused):
    """The lead store could not complete an operation (disk full, read-only, damaged)."""


class SealError(KioskError, StoreRefused):
    """The kiosk's key file is missing or damaged, or a secret does not open it."""


class WrongPassphrase(SealError):
    """The show passphrase does not open the kiosk's key."""


class LockedError(StoreError):
    """Personal data was needed (edit contact, export) while the kiosk is locked."""


class CardReadError(KioskError):
    """A card photo could not be read: the file is not an image, or the OCR engine failed."""
