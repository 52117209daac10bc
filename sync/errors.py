"""The sync package's one exception hierarchy; requests' errors are translated in the transports."""


class SyncError(Exception):
    """Base of every error raised by ``sync``."""


class TransientError(SyncError):
    """Worth retrying later (network error, timeout, 5xx, 429). ``retry_after`` in seconds if the
    destination said so."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(SyncError):
    """Retrying the same request cannot help (4xx other than 408/429): the item is parked."""


class DestinationConfigError(SyncError):
    """A destination is configured wrongly (missing token, unknown kind)."""
