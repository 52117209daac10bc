"""FastAPI dependencies: who is signed in, may they do this, and is the form's CSRF token right."""
from __future__ import annotations

from typing import Callable

from fastapi import Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from central.web.security import SESSION_COOKIE, Principal, check_csrf, load_session, set_flash, take_flash


class LoginRequired(Exception):
    """No live session: the handler redirects to the sign-in page."""

    def __init__(self, expired: bool = False):
        super().__init__("sign-in required")
        self.expired = expired


class Forbidden(Exception):
    """Signed in, but the role does not allow this."""


class PageNotFound(Exception):
    """The show or lead in the URL does not exist."""


class CsrfFailed(Exception):
    """A form arrived without the session's CSRF token."""


def review(request: Request):  # -> ReviewApp
    return request.app.state.review


def current_principal(request: Request) -> Principal:
    """The signed-in user, or LoginRequired (``expired`` when a cookie was sent but is dead)."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    rv = review(request)
    token = request.cookies.get(SESSION_COOKIE)
    with rv.db.session() as s:
        p = load_session(s, token, rv.settings)
    if p is None:
        raise LoginRequired(expired=bool(token))
    request.state.principal = p
    return p


def viewer(request: Request) -> Principal:
    return current_principal(request)


def allowed(permission: str) -> Callable[[Request], Principal]:
    """Dependency for GET pages that need a permission beyond viewing."""
    def dep(request: Request) -> Principal:
        p = current_principal(request)
        if not p.can(permission):
            raise Forbidden(f"Your role ({p.role.replace('_', ' ')}) may not do this.")
        return p
    return dep


def writer(permission: str = "view") -> Callable:
    """Dependency for POST forms: signed in, allowed, and the CSRF token matches the session's."""
    async def dep(request: Request) -> Principal:
        p = await run_in_threadpool(current_principal, request)
        form = await request.form()
        token = form.get("csrf") or request.headers.get("x-csrf-token")
        if not check_csrf(p.csrf_token, token if isinstance(token, str) else None):
            raise CsrfFailed()
        if not p.can(permission):
            raise Forbidden(f"Your role ({p.role.replace('_', ' ')}) may not do this.")
        return p
    return dep


def flash(request: Request, msg: str = "", err: str = "") -> None:
    """Keep a notice ("User added.", or an error) for the signed-in user's next page. Notices
    live in the session, never in the URL (``?msg=`` would let anyone send a link with a fake
    message): redirect to a plain URL after calling this."""
    p = current_principal(request)
    if p.session_id is None:
        return
    with review(request).db.session() as s:
        set_flash(s, p.session_id, msg, err)


def redirect(request: Request, url: str, msg: str = "", err: str = "") -> RedirectResponse:
    """303 to ``url`` with a one-time notice kept in the session (see :func:`flash`)."""
    if msg or err:
        flash(request, msg, err)
    return RedirectResponse(url, status_code=303)


def secure_cookies(request: Request) -> bool:
    """Cookies are Secure when the request came over HTTPS (the scheme is the trusted proxy's
    X-Forwarded-Proto only for ``[http] trusted_proxies``) or the operator forces it."""
    return review(request).settings.secure_cookies or request.url.scheme == "https"


def render(request: Request, name: str, me: Principal | None, nav: str = "", status_code: int = 200,
           **ctx):
    """Render a page with the things every page needs (user, CSRF token, active nav item, the
    session's pending notice)."""
    rv = review(request)
    msg, err = "", ""
    if me is not None and me.flash and me.session_id:
        with rv.db.session() as s:
            msg, err = take_flash(s, me.session_id)
    ctx.update(me=me, nav=nav, csrf=me.csrf_token if me else "", msg=ctx.get("msg") or msg,
               err=ctx.get("err") or err)
    return rv.templates.TemplateResponse(request, name, ctx, status_code=status_code)
