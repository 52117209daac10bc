"""The sync package's one exception hierarchy; requests' errors are translated in ``sync.http``.
Its base, ``SyncError``, lives in ``sync.record.errors`` so the record package's errors are sync
errors too without the record package importing the rest of sync."""
from sync.record.errors import SyncError

__all__ = ["AuthError", "DestinationConfigError", "PermanentError", "StoreRefused", "SyncError", "TlsError",
           "TransientError"]


class TransientError(SyncError):
    """Worth retrying later (network error, timeout, 5xx, 429). ``retry_after`` in seconds if the
    destination said so."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class TlsError(TransientError):
    """The server's certificate was not trusted. Transient on purpose: show Wi-Fi captive portals
    intercept HTTPS until someone clicks through, and the kiosk must not give up on its leads."""


class PermanentError(SyncError):
    """Retrying the same request cannot help (4xx other than 408/429): the item is parked.
    ``splittable``: the request as a whole was refused (400/413/422 for a batch), so the worker
    halves the batch to find the one bad item instead of parking all of them."""

    def __init__(self, message: str, status: int | None = None, splittable: bool = True):
        super().__init__(message)
        self.status = status
        self.splittable = splittable


class AuthError(SyncError):
    """The destination refused our credentials (401/403 at the request level: revoked device
    token, wrong CRM token). Not the leads' fault, so nothing is parked: the destination pauses
    and staff see the error until someone re-enrolls or fixes the secret."""


class DestinationConfigError(SyncError):
    """A destination is configured wrongly (missing token, unknown kind). The message names the
    file, the key path and what was expected."""


class StoreRefused(Exception):
    """The store the worker was handed could not do it now (a locked kiosk, disk trouble, a damaged
    key file): the worker leaves the lead as it is and asks again later. Not a ``SyncError``: it is
    the store's word, raised by the store's own errors (``kiosk.errors.StoreError`` and
    ``SealError`` derive from it), so ``sync`` catches it without knowing the kiosk."""
