"""A signed-in staff member's own account: two-factor state and recovery codes, their other
sessions, their password."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from takedown.api.deps import DB_SESSION, get_settings
from takedown.audit.service import record
from takedown.auth import two_factor, users
from takedown.auth.models import Role
from takedown.console.auth import (
    ConsoleUser,
    end_user_sessions,
    other_live_sessions,
    require_console_user,
)
from takedown.console.sign_in import locked_out, record_failed_sign_in
from takedown.console.views import page
from takedown.errors import InvalidInput
from takedown.settings import Settings

router = APIRouter(prefix="/console", include_in_schema=False)
signed_in = require_console_user(Role.REVIEWER)


@router.get("/account")
def account(
    request: Request,
    me: ConsoleUser = Depends(signed_in),
    db_session: Session = DB_SESSION,
) -> HTMLResponse:
    return _account_page(request, me, db_session)


def _account_page(
    request: Request, me: ConsoleUser, db_session: Session, status_code: int = 200, **kw: Any
) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    remaining = two_factor.remaining_recovery_codes(db_session=db_session, user=me.user)
    return page(
        request,
        "account.html",
        me,
        status_code=status_code,
        enrolled=two_factor.is_enrolled(me.user),
        remaining=remaining,
        other_sessions=other_live_sessions(db_session=db_session, settings=settings, me=me),
        error_prefix="Not changed:",
        **kw,
    )


@router.post("/account/recovery-codes")
def new_recovery_codes(
    request: Request,
    code: str = Form(""),
    me: ConsoleUser = Depends(signed_in),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> HTMLResponse:
    """Replace every recovery code; takes a current TOTP code, so a borrowed session alone
    cannot mint a way back in. A wrong code is a failed sign-in, so the sign-in throttle stops a
    borrowed session guessing codes here too."""
    user = me.user
    refusal = locked_out(request, db_session, settings, user.username)
    if refusal is not None:
        return _account_page(request, me, db_session, 429, error=refusal)
    if not two_factor.check_totp(user, code, settings):
        record_failed_sign_in(request, db_session, settings, user.username, "recovery_codes")
        return _account_page(
            request, me, db_session, 401, error="Enter a current code from your app."
        )
    codes = two_factor.issue_recovery_codes(db_session=db_session, user=user)
    db_session.commit()
    return page(request, "recovery_codes.html", me, codes=codes, next="/console/account")


@router.post("/account/password")
def change_password(
    request: Request,
    current_password: str = Form(""),
    new_password: str = Form(""),
    repeat_password: str = Form(""),
    me: ConsoleUser = Depends(signed_in),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> Response:
    """A new password ends every other session of the user (the old one may be known). A wrong
    current password is a failed sign-in: a borrowed session cannot guess it freely."""
    refusal = locked_out(request, db_session, settings, me.user.username)
    if refusal is not None:
        return _account_page(request, me, db_session, 429, error=refusal)
    try:
        if new_password != repeat_password:
            raise InvalidInput("the two new passwords differ", code="passwords_differ")
        users.change_password(
            db_session=db_session, user=me.user, current=current_password, new=new_password
        )
    except InvalidInput as exc:
        db_session.rollback()
        if exc.code == "wrong_password":
            record_failed_sign_in(
                request, db_session, settings, me.user.username, "password_change"
            )
        return _account_page(request, me, db_session, 422, error=exc.detail)
    end_user_sessions(db_session=db_session, user_id=me.id, keep=me.session.id)
    db_session.commit()
    return RedirectResponse("/console/account?notice=password_changed", status_code=303)


@router.post("/account/sessions/end-others")
def end_other_sessions(
    me: ConsoleUser = Depends(signed_in), db_session: Session = DB_SESSION
) -> Response:
    """Sign out every other session of mine (a laptop left signed in somewhere)."""
    end_user_sessions(db_session=db_session, user_id=me.id, keep=me.session.id)
    record(
        db_session=db_session, actor=me.actor, action="console.other_sessions_ended", subject=me.id
    )
    db_session.commit()
    return RedirectResponse("/console/account?notice=other_sessions_ended", status_code=303)
