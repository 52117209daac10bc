"""The central package's one exception hierarchy; database and SMTP errors are translated here."""


class CentralError(Exception):
    """Base of every error raised by ``central``."""


class AuthError(CentralError):
    """A request's token or signature is missing, wrong, revoked or replayed."""


class NotFound(CentralError):
    """The thing asked for does not exist."""


class ConflictError(CentralError):
    """The request conflicts with stored state (a lead id owned by another device)."""
