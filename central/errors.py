"""The central package's one exception hierarchy; database and SMTP errors are translated here.

Each class carries the HTTP status the API answers with, so the one exception handler in
``central.app`` maps errors to responses without a table that can drift from the classes.
"""


class CentralError(Exception):
    """Base of every error raised by ``central``."""

    status_code = 500


class ConfigError(CentralError):
    """The central configuration file (or a show config given to the CLI) is invalid. The message
    names the file, the key path and what was expected."""

    status_code = 500

    def __init__(self, source: str, key_path: str, expected: str):
        super().__init__(f"{source}: {key_path}: {expected}")
        self.source = source
        self.key_path = key_path
        self.expected = expected
        self.problems: list[tuple[str, str]] = [(key_path, expected)]

    @classmethod
    def from_problems(cls, source: str, problems: list[tuple[str, str]]) -> "ConfigError":
        """Every problem of one file (``sync.problems``); ``key_path``/``expected`` are the first's."""
        from sync.problems import problems_message

        exc = cls(source, *problems[0])
        exc.args = (problems_message(source, problems),)
        exc.problems = list(problems)
        return exc


class BadRequest(CentralError):
    """The request body cannot be understood at all (not JSON, wrong top-level shape)."""

    status_code = 400


class AuthError(CentralError):
    """A request's token or signature is missing, wrong, revoked or replayed."""

    status_code = 401


class ReplayError(AuthError):
    """A signed request reused a ``webhook-id`` already seen from this device."""

    status_code = 409


class Forbidden(CentralError):
    """Authenticated but not allowed (a used or unknown enrollment code, admin API disabled)."""

    status_code = 403


class NotFound(CentralError):
    """The thing asked for does not exist."""

    status_code = 404


class ConflictError(CentralError):
    """The request conflicts with stored state (a lead id owned by another device)."""

    status_code = 409


class PayloadTooLarge(CentralError):
    """A request body over the configured limit; refused before parsing."""

    status_code = 413


class TooManyAttempts(CentralError):
    """Guessing is being slowed down (sign-in, enrollment codes); ``retry_after_s`` says how long."""

    status_code = 429

    def __init__(self, message: str, retry_after_s: float):
        super().__init__(message)
        self.retry_after_s = retry_after_s


class RequestTimeout(CentralError):
    """The request body did not arrive within ``[limits] body_timeout_s``."""

    status_code = 408


class Busy(CentralError):
    """Every body-reading slot is taken (``[limits] max_concurrent_bodies``); retry shortly."""

    status_code = 503


class DatabaseUnavailable(CentralError):
    """The database cannot be reached or is locked for too long: worth retrying later."""

    status_code = 503


class NotificationError(CentralError):
    """Sending one notification failed (SMTP refused, chat webhook down); the queue retries it."""
