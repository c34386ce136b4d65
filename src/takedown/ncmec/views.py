"""Staff API and console page: a case's CyberTipline filing state, and `legal` filing by hand."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from takedown.api.deps import DB_SESSION, get_settings
from takedown.auth.dependencies import require_role
from takedown.auth.models import Role, User
from takedown.auth.service import Principal
from takedown.auth.users import has_role
from takedown.console.auth import ConsoleUser, require_console_user
from takedown.errors import Forbidden
from takedown.ncmec import service
from takedown.review.service import get_visible_case
from takedown.settings import Settings
from takedown.web.templating import render

router = APIRouter(tags=["ncmec"])


def _user(db_session: Session, principal: Principal) -> User:
    user = db_session.get(User, principal.user_id) if principal.user_id else None
    if user is None:
        raise Forbidden("a staff token is required", code="staff_token_required")
    return user


@router.get("/v1/cases/{case_id}/ncmec")
def case_filings(
    case_id: str,
    db_session: Session = DB_SESSION,
    principal: Principal = Depends(require_role(Role.REVIEWER)),
) -> dict[str, Any]:
    """The case's CyberTipline filings, newest first: state, NCMEC ids, receipt, last error."""
    case = get_visible_case(
        db_session=db_session, case_id=case_id, user=_user(db_session, principal)
    )
    filings = service.filings_for_case(db_session=db_session, case_id=case.id)
    return {
        "case_id": case.id,
        "filings": [service.describe(db_session=db_session, filing=f) for f in filings],
    }


@router.post("/v1/cases/{case_id}/ncmec", status_code=202)
def file_case(
    case_id: str,
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
    principal: Principal = Depends(require_role(Role.LEGAL)),
) -> dict[str, Any]:
    """File (or re-file after a failure) the case's CyberTipline report; the job sends it."""
    user = _user(db_session, principal)
    case = get_visible_case(db_session=db_session, case_id=case_id, user=user)
    filing, queued = service.request_filing(
        db_session=db_session, settings=settings, case=case, actor=f"user:{user.id}"
    )
    return {"queued": queued, "filing": service.describe(db_session=db_session, filing=filing)}


# --- console -------------------------------------------------------------------------------------


@router.get("/console/cases/{case_id}/ncmec", include_in_schema=False)
def console_page(
    request: Request,
    case_id: str,
    me: ConsoleUser = Depends(require_console_user(Role.REVIEWER)),
    db_session: Session = DB_SESSION,
) -> HTMLResponse:
    case = get_visible_case(db_session=db_session, case_id=case_id, user=me.user)
    filings = [
        service.describe(db_session=db_session, filing=f)
        for f in service.filings_for_case(db_session=db_session, case_id=case.id)
    ]
    latest = filings[0]["state"] if filings else None
    return render(
        request,
        "ncmec/filing.html",
        {
            "me": me,
            "case": case,
            "filings": filings,
            "notice": "Queued for NCMEC."
            if request.query_params.get("notice") == "ncmec"
            else None,
            "may_file": has_role(me.role, Role.LEGAL) and latest in (None, "failed"),
        },
    )


@router.post("/console/cases/{case_id}/ncmec", include_in_schema=False)
def console_file(
    case_id: str,
    me: ConsoleUser = Depends(require_console_user(Role.LEGAL)),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> RedirectResponse:
    case = get_visible_case(db_session=db_session, case_id=case_id, user=me.user)
    service.request_filing(db_session=db_session, settings=settings, case=case, actor=me.actor)
    return RedirectResponse(f"/console/cases/{quote(case.id)}/ncmec?notice=ncmec", status_code=303)
