"""The admin's staff page: every console user, their role, two-factor state and last sign-in;
invite someone new, change a role, disable or enable, reset a lost authenticator. Each change is
audited with the admin as actor (the services in auth.users, auth.invites and auth.two_factor do
it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from takedown.api.deps import DB_SESSION
from takedown.auth import invites, oidc, two_factor, users
from takedown.auth.models import Role, User
from takedown.console.auth import (
    ConsoleUser,
    require_console_user,
    reset_two_factor_and_sign_out,
)
from takedown.console.views import page
from takedown.errors import InvalidInput, NotFound, TakedownError
from takedown.settings import Settings

router = APIRouter(prefix="/console/staff", include_in_schema=False)
admin = require_console_user(Role.ADMIN)


@router.get("")
def staff_page(
    request: Request, me: ConsoleUser = Depends(admin), db_session: Session = DB_SESSION
) -> HTMLResponse:
    return _page(request, me, db_session)


def _page(
    request: Request, me: ConsoleUser, db_session: Session, status_code: int = 200, **kw: Any
) -> HTMLResponse:
    invited = invites.pending_invite_user_ids(db_session=db_session)
    staff = [
        {"user": user, "two_factor": two_factor.is_enrolled(user), "invited": user.id in invited}
        for user in users.list_users(db_session=db_session)
    ]
    roles = [role.value for role in Role]
    settings: Settings = request.app.state.settings
    sso = settings.oidc_provider_name if oidc.configured(settings) else None
    return page(
        request,
        "staff.html",
        me,
        status_code=status_code,
        staff=staff,
        roles=roles,
        single_sign_on=sso,
        passwords_for=settings.console_password_sign_in,
        **kw,
    )


def _change(
    request: Request,
    me: ConsoleUser,
    db_session: Session,
    user_id: str,
    done: str,
    apply: Callable[[User], object],
) -> Response:
    user = db_session.get(User, user_id)
    try:
        if user is None:
            raise NotFound("no such user", code="user_not_found")
        apply(user)
    except TakedownError as exc:
        db_session.rollback()
        return _page(request, me, db_session, exc.status, error=exc.detail)
    db_session.commit()
    return RedirectResponse(f"/console/staff?notice=staff_{quote(done)}", status_code=303)


@router.post("/{user_id}/role")
def change_role(
    request: Request,
    user_id: str,
    role: str = Form(""),
    me: ConsoleUser = Depends(admin),
    db_session: Session = DB_SESSION,
) -> Response:
    def apply(user: User) -> None:
        users.set_role(db_session=db_session, username=user.username, role=role, actor=me.actor)

    return _change(request, me, db_session, user_id, "role", apply)


@router.post("/{user_id}/disabled")
def change_disabled(
    request: Request,
    user_id: str,
    disabled: bool = Form(...),
    me: ConsoleUser = Depends(admin),
    db_session: Session = DB_SESSION,
) -> Response:
    def apply(user: User) -> None:
        if disabled and user.id == me.id:
            raise InvalidInput("you cannot disable yourself", code="self_disable")
        users.set_disabled(
            db_session=db_session, username=user.username, disabled=disabled, actor=me.actor
        )

    return _change(request, me, db_session, user_id, "disabled" if disabled else "enabled", apply)


@router.post("/{user_id}/two-factor-reset")
def reset_two_factor(
    request: Request,
    user_id: str,
    me: ConsoleUser = Depends(admin),
    db_session: Session = DB_SESSION,
) -> Response:
    def apply(user: User) -> None:
        reset_two_factor_and_sign_out(db_session=db_session, username=user.username, actor=me.actor)

    return _change(request, me, db_session, user_id, "two_factor_reset", apply)


@router.post("/invite")
def invite(
    request: Request,
    username: str = Form(""),
    role: str = Form(""),
    me: ConsoleUser = Depends(admin),
    db_session: Session = DB_SESSION,
) -> HTMLResponse:
    """A new staff member and their single-use link, shown here once to pass on to them."""
    try:
        token = invites.invite(db_session=db_session, username=username, role=role, actor=me.actor)
    except TakedownError as exc:
        db_session.rollback()
        return _page(request, me, db_session, exc.status, error=exc.detail)
    db_session.commit()
    return _invite_shown(request, me, db_session, username.strip(), token)


@router.post("/{user_id}/invite")
def reinvite(
    request: Request,
    user_id: str,
    me: ConsoleUser = Depends(admin),
    db_session: Session = DB_SESSION,
) -> HTMLResponse:
    """A new link for someone who has not signed in yet; their earlier links stop working."""
    user = db_session.get(User, user_id)
    try:
        if user is None:
            raise NotFound("no such user", code="user_not_found")
        token = invites.reinvite(db_session=db_session, username=user.username, actor=me.actor)
    except TakedownError as exc:
        db_session.rollback()
        return _page(request, me, db_session, exc.status, error=exc.detail)
    db_session.commit()
    return _invite_shown(request, me, db_session, user.username, token)


def _invite_shown(
    request: Request, me: ConsoleUser, db_session: Session, username: str, token: str
) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    link = settings.resolved_public_base_url.rstrip("/") + invites.invite_path(token)
    return _page(
        request, me, db_session, invite_link=link, invited=username, hours=invites.INVITE_HOURS
    )
