"""Sign-in and sign-out."""
from __future__ import annotations

import logging
import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from central.throttle import SIGN_IN_ACCOUNT, SIGN_IN_ADDRESS, Throttle, wait_message
from central.web.deps import CsrfFailed, LoginRequired, current_principal, render, review, secure_cookies
from central.web.security import (LOGIN_CSRF_COOKIE, SESSION_COOKIE, authenticate, check_csrf, end_session,
                                  start_session)

router = APIRouter(include_in_schema=False)
log = logging.getLogger("central.security")


def _safe_next(nxt: str | None) -> str:
    """Only same-site paths, so the sign-in page cannot be used to bounce users elsewhere."""
    if nxt and nxt.startswith("/") and not nxt.startswith("//") and "\\" not in nxt:
        return nxt
    return "/shows"


@router.get("/login")
def login_page(request: Request, next: str = "", expired: int = 0):
    try:
        current_principal(request)
        return RedirectResponse(_safe_next(next), status_code=303)
    except LoginRequired:
        pass
    token = secrets.token_urlsafe(24)
    resp = render(request, "login.html", None, login_csrf=token, next=_safe_next(next),
                  err="Your session expired. Please sign in again." if expired else "")
    resp.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                    secure=secure_cookies(request), path="/login")
    return resp


@router.post("/login")
def login_submit(request: Request, email: str = Form(""), password: str = Form(""), csrf: str = Form(""),
                 next: str = Form("")):
    rv = review(request)
    if not check_csrf(request.cookies.get(LOGIN_CSRF_COOKIE), csrf):
        raise CsrfFailed()
    address = request.client.host if request.client else "unknown"
    account = email.strip().lower()[:320]
    keys = [(f"login-account:{account}", SIGN_IN_ACCOUNT), (f"login-address:{address}", SIGN_IN_ADDRESS)]
    throttle = Throttle(rv.db, rv.settings.clock)
    wait = throttle.wait_s([k for k, _ in keys])
    if wait > 0:  # held back: the password is not even checked
        log.warning("sign-in refused (throttled): account %r from %s, %.0f s to wait", account, address, wait)
        resp = render(request, "login.html", None, login_csrf=csrf, next=_safe_next(next), email=email,
                      err=f"Too many failed sign-ins for this account or from this network. "
                          f"Try again in {wait_message(wait)}.", status_code=429)
        resp.headers["Retry-After"] = str(int(wait) + 1)
        return resp
    with rv.db.session() as s:
        user = authenticate(s, email, password)
        token = start_session(s, user, rv.settings) if user else None
    if token is None:
        log.info("sign-in failed: account %r from %s", account, address)
        throttle.failed(keys, "sign-in")
        resp = render(request, "login.html", None, login_csrf=csrf, next=_safe_next(next), email=email,
                      err="Wrong e-mail or password.", status_code=401)
        return resp
    throttle.succeeded([keys[0][0]])  # the address keeps its count: one good account must not reset it
    resp = RedirectResponse(_safe_next(next), status_code=303)
    resp.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=secure_cookies(request),
                    max_age=rv.settings.max_age_s, path="/")
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return resp


@router.post("/logout")
async def logout(request: Request):
    rv = review(request)
    form = await request.form()
    token = request.cookies.get(SESSION_COOKIE)
    try:
        p = current_principal(request)
    except LoginRequired:
        return RedirectResponse("/login", status_code=303)
    if not check_csrf(p.csrf_token, form.get("csrf")):  # type: ignore[arg-type]
        raise CsrfFailed()
    with rv.db.session() as s:
        end_session(s, token)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp
