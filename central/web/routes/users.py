"""Admin page: list users, add one, disable/enable, reset a password, revoke API tokens (the CLI
``leadkiosk central user add|disable|enable|revoke-tokens`` does the same)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import func, select

from central.web.deps import allowed, redirect, render, review, writer
from central.web.models import ROLES, ApiToken, User
from central.web.security import Principal
from central.web.users import UserError, add_user, find_user, revoke_tokens, set_disabled, set_password

router = APIRouter(include_in_schema=False)


@router.get("/users")
def users_page(request: Request, me: Principal = Depends(allowed("users"))):
    with review(request).db.session() as s:
        users = s.scalars(select(User).order_by(User.email)).all()
        tokens = dict(s.execute(select(ApiToken.user_id, func.count()).where(ApiToken.revoked_at.is_(None))
                                .group_by(ApiToken.user_id)).all())
    return render(request, "users.html", me, nav="users", users=users, roles=ROLES, tokens=tokens)


@router.post("/users")
def users_add(request: Request, me: Principal = Depends(writer("users")), email: str = Form(""),
              name: str = Form(""), role: str = Form(""), password: str = Form("")):
    rv = review(request)
    try:
        with rv.db.session() as s:
            add_user(s, email, role, password, name=name, now=rv.settings.clock())
    except UserError as exc:
        return redirect(request, "/users", err=str(exc))
    return redirect(request, "/users", msg=f"User {email.strip().lower()} added.")


def _email_of(request: Request, user_id: int) -> str:
    with review(request).db.session() as s:
        user = s.get(User, user_id)
        if user is None:
            raise UserError(f"no user with id {user_id}")
        return user.email


@router.post("/users/{user_id}/disable")
def users_disable(request: Request, user_id: int, me: Principal = Depends(writer("users"))):
    rv = review(request)
    try:
        email = _email_of(request, user_id)
        if user_id == me.user_id:
            raise UserError("you cannot disable yourself (ask another admin, or use the CLI)")
        with rv.db.session() as s:
            set_disabled(s, email, True, rv.settings.clock())
    except UserError as exc:
        return redirect(request, "/users", err=str(exc))
    return redirect(request, "/users", msg=f"User {email} disabled: signed out everywhere, API tokens revoked.")


@router.post("/users/{user_id}/enable")
def users_enable(request: Request, user_id: int, me: Principal = Depends(writer("users"))):
    rv = review(request)
    try:
        email = _email_of(request, user_id)
        with rv.db.session() as s:
            set_disabled(s, email, False, rv.settings.clock())
    except UserError as exc:
        return redirect(request, "/users", err=str(exc))
    return redirect(request, "/users", msg=f"User {email} enabled.")


@router.post("/users/{user_id}/revoke-tokens")
def users_revoke_tokens(request: Request, user_id: int, me: Principal = Depends(writer("users"))):
    rv = review(request)
    try:
        email = _email_of(request, user_id)
        with rv.db.session() as s:
            n = revoke_tokens(s, find_user(s, email).id, rv.settings.clock())
    except UserError as exc:
        return redirect(request, "/users", err=str(exc))
    return redirect(request, "/users", msg=f"{n} API token{'s' if n != 1 else ''} of {email} revoked.")


@router.post("/users/{user_id}/password")
def users_password(request: Request, user_id: int, me: Principal = Depends(writer("users")),
                   password: str = Form("")):
    rv = review(request)
    try:
        email = _email_of(request, user_id)
        with rv.db.session() as s:
            set_password(s, email, password, rv.settings.clock())
    except UserError as exc:
        return redirect(request, "/users", err=str(exc))
    return redirect(request, "/users", msg=f"Password of {email} changed: their sessions ended, API tokens revoked.")
