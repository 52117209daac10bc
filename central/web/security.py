"""Sign-in sessions, CSRF tokens and role checks.

Sessions are rows in ``web_sessions`` keyed by the SHA-256 of a random cookie (stateless web
processes behind a load balancer all see them). A session ends when idle for ``idle_timeout_s``
or older than ``max_age_s``. Every POST form carries the session's CSRF token (synchroniser token
pattern); the sign-in form, which has no session yet, uses a double-submit cookie instead.
Cookies are HttpOnly and SameSite=Lax, and Secure whenever the request came over HTTPS (directly,
or through a proxy listed in ``[http] trusted_proxies``). A one-time notice for the next page
("User added.") is kept in the session row, never in the URL, so a link cannot show a fake message.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from central.web.models import ApiToken, User, WebSession
from central.web.passwords import DUMMY_HASH, verify_password
from central.web.settings import ReviewSettings

SESSION_COOKIE = "lk_session"
LOGIN_CSRF_COOKIE = "lk_login_csrf"

# What each role may do. Viewing and exporting is for everybody signed in.
PERMISSIONS: dict[str, frozenset[str]] = {
    "field_marketer": frozenset({"view", "edit", "calibrate", "cost"}),
    "sales": frozenset({"view", "outcome"}),
    "admin": frozenset({"view", "edit", "outcome", "calibrate", "cost", "users"}),
}


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _aware(dt: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything here is UTC."""
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Principal:
    """Who is asking: the user and, for a browser, its session's CSRF token."""

    user_id: int
    email: str
    name: str
    role: str
    csrf_token: str | None = None
    session_id: str | None = None   # sha256 of the cookie; None for API tokens
    flash: str | None = None        # pending one-time notice (JSON {"msg", "err"})

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())

    @property
    def display(self) -> str:
        return self.name or self.email


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user if the e-mail and password match an enabled account (constant work either way)."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or user.disabled:
        verify_password(DUMMY_HASH, password)
        return None
    ok, new_hash = verify_password(user.password_hash, password)
    if not ok:
        return None
    if new_hash:
        user.password_hash = new_hash
    return user


def start_session(session: Session, user: User, settings: ReviewSettings) -> str:
    """Create a session row; returns the cookie value (never stored)."""
    now = settings.clock()
    token = secrets.token_urlsafe(32)
    session.add(WebSession(id=sha256(token), user_id=user.id, csrf_token=secrets.token_urlsafe(24),
                           created_at=now, last_seen_at=now,
                           expires_at=now + timedelta(seconds=settings.max_age_s)))
    # Opportunistic clean-up keeps the table small without a cron job.
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    return token


def load_session(session: Session, token: str | None, settings: ReviewSettings) -> Principal | None:
    """The principal of a live session, touching ``last_seen_at``; None if absent or expired."""
    if not token:
        return None
    row = session.get(WebSession, sha256(token))
    if row is None:
        return None
    now = settings.clock()
    if _aware(row.expires_at) <= now or _aware(row.last_seen_at) + timedelta(seconds=settings.idle_timeout_s) <= now:
        session.delete(row)
        return None
    user = session.get(User, row.user_id)
    if user is None or user.disabled:
        return None
    # Touch at most once a minute so page views do not all write.
    if now - _aware(row.last_seen_at) > timedelta(seconds=60):
        session.execute(update(WebSession).where(WebSession.id == row.id).values(last_seen_at=now))
    return Principal(user.id, user.email, user.name, user.role, row.csrf_token, row.id, row.flash)


def set_flash(session: Session, session_id: str, msg: str = "", err: str = "") -> None:
    """Keep a notice for the session's next page."""
    session.execute(update(WebSession).where(WebSession.id == session_id)
                    .values(flash=json.dumps({"msg": msg, "err": err})))


def take_flash(session: Session, session_id: str) -> tuple[str, str]:
    """The session's pending notice (msg, err), removed so it shows once."""
    row = session.get(WebSession, session_id)
    if row is None or not row.flash:
        return "", ""
    raw, row.flash = row.flash, None
    try:
        data = json.loads(raw)
        return str(data.get("msg") or ""), str(data.get("err") or "")
    except (ValueError, AttributeError):
        return "", ""


def end_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(WebSession).where(WebSession.id == sha256(token)))


def check_csrf(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def new_api_token(session: Session, user: User, clock: ReviewSettings | None = None) -> str:
    """Make a bearer token for the outcomes API; only its hash is stored."""
    token = "lkr_" + secrets.token_urlsafe(32)
    now = (clock.clock() if clock else datetime.now(timezone.utc))
    session.add(ApiToken(user_id=user.id, token_hash=sha256(token), created_at=now))
    return token


def api_principal(session: Session, authorization: str | None) -> Principal | None:
    """The user behind ``Authorization: Bearer lkr_...`` or None."""
    if not authorization or not authorization.lower().startswith("bearer "):
        return None
    token = authorization.split(None, 1)[1].strip()
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == sha256(token)))
    if row is None or row.revoked_at is not None:
        return None
    user = session.get(User, row.user_id)
    if user is None or user.disabled:
        return None
    return Principal(user.id, user.email, user.name, user.role)
