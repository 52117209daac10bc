"""Deployment errors, inside the kiosk package's one hierarchy (``kiosk.errors``)."""
from __future__ import annotations

from kiosk.errors import ConfigError, KioskError


class BootConfigError(ConfigError):
    """``leadkiosk.toml`` on the boot partition is wrong. ``problems`` holds (key path, what was
    expected) pairs so every mistake in the file is reported at once, not one per reboot."""

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems
        lines = [f"{source}: {key}: {expected}" for key, expected in problems]
        super().__init__("\n".join(lines))


class StorageError(KioskError):
    """The data directory would not survive a power cut (RAM overlay, tmpfs, unmounted stick)."""


class UpgradeError(KioskError):
    """An upgrade could not be installed or did not start; the message says what was rolled back."""
