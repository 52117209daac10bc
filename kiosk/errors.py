"""The kiosk package's one exception hierarchy.

Library errors (OpenCV, TinyDB, OSError, zxing) are translated into these at the boundary that
calls the library, so screens and the CLI only ever catch ``KioskError``.
"""


class KioskError(Exception):
    """Base of every error the kiosk raises on purpose."""


class ConfigError(KioskError):
    """A config file is wrong; the message names the file, the key path and what was expected."""


class CameraError(KioskError):
    """A frame source could not be opened or stopped delivering frames."""


class BadgeParseError(KioskError):
    """A badge payload could not be turned into a contact (the raw text is still kept)."""


class StoreError(KioskError):
    """The lead store could not complete an operation (disk full, read-only, damaged)."""
