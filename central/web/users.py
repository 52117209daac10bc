"""Creating users and API tokens (shared by the admin page and the CLI)."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.errors import CentralError
from central.web.models import ROLES, User
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
    s.flush()
    return user
