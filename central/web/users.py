"""Creating users and API tokens (shared by the admin page and the CLI)."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from central.errors import CentralError
from central.web.models import ROLES, ApiToken, User, WebSession
from central.web.passwords import WeakPassword, hash_password

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class UserError(CentralError):
    """A user cannot be created or changed as asked."""


def add_user(s: Session, email: str, role: str, password: str, *, name: str = "",
             now: datetime | None = None, replace: bool = False) -> User:
    """Create a user (or, with ``replace``, reset an existing one's role and password)."""
    email = email.strip().lower()
    if not EMAIL.fullmatch(email):
        raise UserError(f"email: expected an address like name@example.com, got {email!r}")
    if role not in ROLES:
        raise UserError(f"role: expected one of {', '.join(ROLES)}, got {role!r}")
    try:
        pw_hash = hash_password(password)
    except WeakPassword as exc:
        raise UserError(f"password: {exc}") from None
    user = s.scalar(select(User).where(User.email == email))
    if user is not None and not replace:
        raise UserError(f"user {email} exists already")
    if user is None:
        user = User(email=email, name=name.strip(), role=role, password_hash=pw_hash,
                    created_at=now or datetime.now(timezone.utc), disabled=False)
        s.add(user)
    else:
        user.role, user.password_hash, user.disabled = role, pw_hash, False
        if name.strip():
            user.name = name.strip()
        # a reset is what an admin does when a password leaked or a person left: whoever held
        # the old one must lose every way in it opened
        end_sessions(s, user.id)
        revoke_tokens(s, user.id, now)
    s.flush()
    return user


def find_user(s: Session, email: str) -> User:
    user = s.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise UserError(f"no user {email.strip().lower()}")
    return user


def end_sessions(s: Session, user_id: int) -> int:
    """Sign the user out of every browser; returns how many sessions ended."""
    return s.execute(delete(WebSession).where(WebSession.user_id == user_id)).rowcount or 0


def revoke_tokens(s: Session, user_id: int, now: datetime | None = None) -> int:
    """Revoke every live API token of the user; returns how many."""
    return s.execute(update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                     .values(revoked_at=now or datetime.now(timezone.utc))).rowcount or 0


def set_disabled(s: Session, email: str, disabled: bool, now: datetime | None = None) -> User:
    """Disable (sign-in refused, every session ended, every API token revoked for good) or enable
    (sign-in works again; old tokens stay revoked: make a new one)."""
    user = find_user(s, email)
    user.disabled = disabled
    if disabled:
        end_sessions(s, user.id)
        revoke_tokens(s, user.id, now)
    s.flush()
    return user


def set_password(s: Session, email: str, password: str, now: datetime | None = None) -> User:
    """A new password ends the user's sessions and revokes their API tokens."""
    user = find_user(s, email)
    try:
        user.password_hash = hash_password(password)
    except WeakPassword as exc:
        raise UserError(f"password: {exc}") from None
    end_sessions(s, user.id)
    revoke_tokens(s, user.id, now)
    s.flush()
    return user
