"""Password hashing with Argon2id (argon2-cffi's defaults follow RFC 9106's recommendation).

Verification re-hashes when the parameters in the stored hash are older than the current ones,
so raising the cost later upgrades users as they sign in.
"""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
MIN_LENGTH = 8


class WeakPassword(ValueError):
    """The password is too short to accept."""


def hash_password(password: str) -> str:
    """An encoded Argon2id hash (salt and parameters inside the string)."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"password must be at least {MIN_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> tuple[bool, str | None]:
    """``(ok, new_hash)``: new_hash is set when the stored hash should be replaced (old parameters)."""
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, None
    return True, (_hasher.hash(password) if _hasher.check_needs_rehash(stored) else None)


# A hash to verify against when the e-mail is unknown, so the response time does not reveal which
# e-mail addresses have accounts.
DUMMY_HASH = _hasher.hash("not-a-real-password-0")
