"""The admin's API keys page: every platform key and staff token (never the key itself, only its
first characters) and its scopes; revoke one at once (a leak, a retired integration).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.api.deps import DB_SESSION
from takedown.auth.models import Role, User
from takedown.auth.service import list_api_keys, revoke_api_key
from takedown.console.auth import ConsoleUser, require_console_user
from takedown.console.views import page
from takedown.errors import TakedownError

router = APIRouter(prefix="/console/keys", include_in_schema=False)
admin = require_console_user(Role.ADMIN)


@router.get("")
def keys_page(
    request: Request, me: ConsoleUser = Depends(admin), db_session: Session = DB_SESSION
) -> HTMLResponse:
    return _page(request, me, db_session)


def _page(
    request: Request,
    me: ConsoleUser,
    db_session: Session,
    status_code: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    keys = list_api_keys(db_session=db_session)
    owners = dict(
        db_session.execute(
            select(User.id, User.username).where(User.id.in_({k.user_id for k in keys}))
        ).all()
    )
    return page(
        request,
        "api_keys.html",
        me,
        status_code=status_code,
        keys=keys,
        owners=owners,
        error=error,
        error_prefix="Not changed:",
    )


@router.post("/{key_id}/revoke")
def revoke(
    request: Request,
    key_id: str,
    me: ConsoleUser = Depends(admin),
    db_session: Session = DB_SESSION,
) -> Response:
    try:
        revoke_api_key(db_session=db_session, key_id=key_id, actor=me.actor)
    except TakedownError as exc:
        db_session.rollback()
        return _page(request, me, db_session, exc.status, error=exc.detail)
    db_session.commit()
    return RedirectResponse("/console/keys?notice=key_revoked", status_code=303)
