"""Console sign-in: password, then a second factor (TOTP or a recovery code), then a session.

With `TAKEDOWN_CONSOLE_TWO_FACTOR` on (the default) a right password only starts a short-lived
pending sign-in (console.auth.PendingSignIn); the session starts once the code is right. A user
who has not enrolled yet enrols in the same step, and is shown recovery codes once. Wrong codes
count as failed sign-ins for the username, so the sign-in throttle stops code guessing too.
An invited staff member (auth.invites) starts here too: their link sets their password, then the
same enrolment follows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import segno
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from takedown import addresses, clock
from takedown.api.deps import DB_SESSION, get_settings
from takedown.audit.service import record
from takedown.auth import invites, oidc, two_factor
from takedown.auth.models import Role, User
from takedown.auth.users import check_login, has_role
from takedown.console.auth import (
    LOGIN_CSRF_COOKIE,
    LOGIN_FAILED,
    ConsoleUser,
    PendingSignIn,
    check_login_csrf,
    end_pending_sign_in,
    end_session,
    login_actor,
    login_locked,
    login_subject,
    new_login_csrf,
    pending_sign_in,
    require_console_user,
    set_login_csrf_cookie,
    start_pending_sign_in,
    start_session,
)
from takedown.console.views import page, safe_next
from takedown.errors import InvalidInput
from takedown.settings import Settings

router = APIRouter(prefix="/console", include_in_schema=False)
signed_in = require_console_user(Role.REVIEWER)
# Why a sign-in is refused before its password or code is checked (console.auth.login_locked).
LOCKED_BY = {"username": "for this username", "address": "from this network address"}


def login_page(
    request: Request,
    name: str,
    status_code: int = 200,
    cookie_path: str = "/console/login",
    **kw: Any,
) -> Response:
    """A sign-in page with a fresh login CSRF token (double submit: field and cookie)."""
    settings: Settings = request.app.state.settings
    token, cookie = new_login_csrf(settings)
    response = page(
        request,
        name,
        None,
        status_code=status_code,
        login_csrf=token,
        error_prefix="Not signed in:",
        single_sign_on=settings.oidc_provider_name if oidc.configured(settings) else None,
        passwords_for=settings.console_password_sign_in,
        **kw,
    )
    set_login_csrf_cookie(settings, response, cookie, cookie_path)
    return response


def _client(request: Request, settings: Settings) -> str | None:
    return addresses.address_hash(settings, request.client.host if request.client else None)


def locked_out(
    request: Request, db_session: Session, settings: Settings, username: str
) -> str | None:
    """The refusal text when this username or address is throttled (and the attempt audited)."""
    client = _client(request, settings)
    locked = login_locked(
        db_session=db_session, settings=settings, username=username, address_hash=client
    )
    if locked is None:
        return None
    record(
        db_session=db_session,
        actor=login_actor(client),
        action="console.login_locked",
        subject=login_subject(username),
        details={"locked": locked},
    )
    db_session.commit()
    return (
        f"Too many failed sign-ins {LOCKED_BY[locked]}. Try again in "
        f"{settings.console_login_window_minutes} minutes, or ask an administrator."
    )


def _refused(
    request: Request,
    db_session: Session,
    settings: Settings,
    username: str,
    csrf_token: str,
    again: Callable[[int, str], Response],
) -> Response | None:
    """The form again when its CSRF token is wrong or `username` is throttled; else None."""
    if not check_login_csrf(settings, request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        return again(403, "The form expired. Please try again.")
    refusal = locked_out(request, db_session, settings, username)
    return None if refusal is None else again(429, refusal)


def record_failed_sign_in(
    request: Request, db_session: Session, settings: Settings, username: str, stage: str
) -> None:
    record(
        db_session=db_session,
        actor=login_actor(_client(request, settings)),
        action=LOGIN_FAILED,
        subject=login_subject(username),
        details={"stage": stage},
    )
    db_session.commit()


def start_signed_in(
    *,
    db_session: Session,
    settings: Settings,
    user: User,
    response: Response,
    first_factor: str,
    second_factor: str | None,
) -> Response:
    """Start the session on `response`, end the pending sign-in, audit (how they signed in: the
    password or the identity provider, then the second factor), commit."""
    start_session(db_session=db_session, settings=settings, user=user, response=response)
    end_pending_sign_in(response)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console/login")
    user.last_login_at = clock.now()
    record(
        db_session=db_session,
        actor=f"user:{user.id}",
        action="console.login",
        subject=user.id,
        details={"first_factor": first_factor, "second_factor": second_factor},
    )
    db_session.commit()  # durable before the browser follows the redirect
    return response


def _pending_user(
    request: Request, db_session: Session, settings: Settings
) -> tuple[PendingSignIn, User] | None:
    pending = pending_sign_in(request, settings)
    if pending is None:
        return None
    user = db_session.get(User, pending.user_id)
    if user is None or user.disabled:
        return None
    return pending, user


def _expired() -> Response:
    response = RedirectResponse("/console/login?notice=sign_in_expired", status_code=303)
    end_pending_sign_in(response)
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = Query(None)) -> Response:
    return login_page(request, "login.html", next=safe_next(next))


@router.post("/login")
def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form(""),
    next: str = Form("/console/queue"),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> Response:
    def again(status_code: int, error: str) -> Response:
        return login_page(
            request,
            "login.html",
            status_code,
            error=error,
            next=safe_next(next),
            username=username,
        )

    # Checked before the password, so a locked account cannot be probed (and costs no argon2).
    refused = _refused(request, db_session, settings, username, csrf_token, again)
    if refused is not None:
        return refused
    user = check_login(db_session=db_session, username=username, password=password)
    if user is None:
        record_failed_sign_in(request, db_session, settings, username, "password")
        return again(401, "Wrong username or password.")
    # Checked after the password, so the form does not tell strangers who the administrators are.
    if settings.console_password_sign_in == "admins" and not has_role(user.role, Role.ADMIN):
        record_failed_sign_in(request, db_session, settings, username, "password_not_allowed")
        return again(
            403, f"Sign in with {settings.oidc_provider_name}: passwords are for administrators."
        )
    return after_first_factor(
        db_session=db_session, settings=settings, user=user, next_url=safe_next(next)
    )


def after_first_factor(
    *,
    db_session: Session,
    settings: Settings,
    user: User,
    next_url: str,
    first_factor: str = "password",
) -> Response:
    """A right password (or a new one from an invite, or the identity provider's sign-in on one
    factor): with two-factor off the session starts at once; else the pending sign-in, on to the
    code, or to enrolment for a user who has none."""
    if not settings.console_two_factor:
        redirect = RedirectResponse(next_url, status_code=303)
        return start_signed_in(
            db_session=db_session,
            settings=settings,
            user=user,
            response=redirect,
            first_factor=first_factor,
            second_factor=None,
        )
    step = "code" if two_factor.is_enrolled(user) else "setup"
    redirect = RedirectResponse(f"/console/login/{step}", status_code=303)
    start_pending_sign_in(
        settings=settings,
        response=redirect,
        user_id=user.id,
        next_url=next_url,
        first_factor=first_factor,
    )
    db_session.commit()  # the new password, or a rehash of the old one
    return redirect


@router.get("/login/code")
def code_form(
    request: Request,
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> Response:
    found = _pending_user(request, db_session, settings)
    if found is None:
        return _expired()
    if not two_factor.is_enrolled(found[1]):
        return RedirectResponse("/console/login/setup", status_code=303)
    return login_page(request, "login_code.html", username=found[1].username)


@router.post("/login/code")
def code(
    request: Request,
    code: str = Form(""),
    csrf_token: str = Form(""),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> Response:
    found = _pending_user(request, db_session, settings)
    if found is None:
        return _expired()
    pending, user = found
    refused = _refused(
        request,
        db_session,
        settings,
        user.username,
        csrf_token,
        lambda status, error: login_page(
            request, "login_code.html", status, error=error, username=user.username
        ),
    )
    if refused is not None:
        return refused
    factor = two_factor.verify_second_factor(
        db_session=db_session, settings=settings, user=user, code=code
    )
    if factor is None:
        record_failed_sign_in(request, db_session, settings, user.username, "second_factor")
        return login_page(
            request,
            "login_code.html",
            401,
            error="That code is not right, or was used already. Wait for the next code.",
            username=user.username,
        )
    target = pending.next
    if factor is two_factor.SecondFactor.RECOVERY_CODE:
        target = "/console/account?notice=recovery_code_used"
    redirect = RedirectResponse(target, status_code=303)
    return start_signed_in(
        db_session=db_session,
        settings=settings,
        user=user,
        response=redirect,
        first_factor=pending.first_factor,
        second_factor=factor.value,
    )


@router.get("/login/setup")
def setup_form(
    request: Request,
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> Response:
    found = _pending_user(request, db_session, settings)
    if found is None:
        return _expired()
    user = found[1]
    if two_factor.is_enrolled(user):
        return RedirectResponse("/console/login/code", status_code=303)
    if not user.two_factor_secret:  # a reload keeps the secret an app may have scanned already
        two_factor.start_enrolment(user, settings)
        db_session.commit()
    return _setup_page(request, settings, user)


def _setup_page(
    request: Request, settings: Settings, user: User, status_code: int = 200, **kw: Any
) -> Response:
    secret = two_factor.pending_secret(user, settings)
    uri = two_factor.provisioning_uri(user, secret)
    return login_page(
        request,
        "login_setup.html",
        status_code,
        username=user.username,
        qr_svg=segno.make(uri, error="m").svg_inline(scale=5, title="two-factor secret"),
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        **kw,
    )


@router.post("/login/setup")
def setup(
    request: Request,
    code: str = Form(""),
    csrf_token: str = Form(""),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> Response:
    found = _pending_user(request, db_session, settings)
    if found is None:
        return _expired()
    pending, user = found
    if two_factor.is_enrolled(user) or not user.two_factor_secret:
        return RedirectResponse("/console/login/code", status_code=303)
    refused = _refused(
        request,
        db_session,
        settings,
        user.username,
        csrf_token,
        lambda status, error: _setup_page(request, settings, user, status, error=error),
    )
    if refused is not None:
        return refused
    codes = two_factor.confirm_enrolment(
        db_session=db_session, settings=settings, user=user, code=code
    )
    if codes is None:
        record_failed_sign_in(request, db_session, settings, user.username, "two_factor_setup")
        return _setup_page(
            request,
            settings,
            user,
            401,
            error="That code is not right. Check the app and try again.",
        )
    response = page(
        request, "recovery_codes.html", None, codes=codes, next=pending.next, enrolled=True
    )
    return start_signed_in(
        db_session=db_session,
        settings=settings,
        user=user,
        response=response,
        first_factor=pending.first_factor,
        second_factor=two_factor.SecondFactor.TOTP.value,
    )


@router.post("/logout")
def logout(me: ConsoleUser = Depends(signed_in), db_session: Session = DB_SESSION) -> Response:
    response = RedirectResponse("/console/login?notice=logged_out", status_code=303)
    end_session(db_session=db_session, console_user=me, response=response)
    db_session.commit()
    return response


@router.get("/invite/{token}")
def invite_form(request: Request, token: str, db_session: Session = DB_SESSION) -> Response:
    user = invites.invited_user(db_session=db_session, token=token)
    if user is None:
        return page(
            request, "invite.html", None, status_code=410, invite_hours=invites.INVITE_HOURS
        )
    return login_page(
        request,
        "invite.html",
        cookie_path="/console/invite",
        user=user,
        token=token,
        two_factor=request.app.state.settings.console_two_factor,
    )


@router.post("/invite/{token}")
def accept_invite(
    request: Request,
    token: str,
    new_password: str = Form(""),
    repeat_password: str = Form(""),
    csrf_token: str = Form(""),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> Response:
    """The invited person's own password; then, with two-factor on, their authenticator."""
    user = invites.invited_user(db_session=db_session, token=token)
    if user is None:
        return page(
            request, "invite.html", None, status_code=410, invite_hours=invites.INVITE_HOURS
        )

    def again(status_code: int, error: str) -> Response:
        return login_page(
            request,
            "invite.html",
            status_code,
            cookie_path="/console/invite",
            user=user,
            token=token,
            two_factor=settings.console_two_factor,
            error=error,
        )

    if not check_login_csrf(settings, request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        return again(403, "The form expired. Please try again.")
    if new_password != repeat_password:
        return again(422, "The two passwords differ.")
    try:
        invites.accept(db_session=db_session, token=token, password=new_password)
    except InvalidInput as exc:
        db_session.rollback()
        return again(422, exc.detail)
    return after_first_factor(
        db_session=db_session, settings=settings, user=user, next_url="/console/queue"
    )
