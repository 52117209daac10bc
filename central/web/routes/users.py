"""Admin page: list users and add one (the CLI ``leadkiosk central user add`` does the same)."""
from __future__ import annotations


from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import select

from central.web.deps import allowed, redirect, render, review, writer
from central.web.models import ROLES, User
from central.web.security import Principal
from central.web.users import UserError, add_user

router = APIRouter(include_in_schema=False)


@router.get("/users")
def users_page(request: Request, me: Principal = Depends(allowed("users"))):
    with review(request).db.session() as s:
        users = s.scalars(select(User).order_by(User.email)).all()
    return render(request, "users.html", me, nav="users", users=users, roles=ROLES)


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
