"""Staff API and console page: a case's CyberTipline filing state, and `legal` filing by hand."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.api.deps import DB_SESSION, get_settings
from takedown.auth.dependencies import require_role
from takedown.auth.models import Role, User
from takedown.auth.service import Principal
from takedown.auth.users import has_role
from takedown.console.auth import ConsoleUser, require_console_user
from takedown.errors import Forbidden, InvalidInput, TakedownError
from takedown.ncmec import service
from takedown.ncmec.case_report import is_reportable
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
    return _console_page(request, me, db_session, case_id)


def _console_page(
    request: Request,
    me: ConsoleUser,
    db_session: Session,
    case_id: str,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    case = get_visible_case(db_session=db_session, case_id=case_id, user=me.user)
    filings = [
        service.describe(db_session=db_session, filing=f)
        for f in service.filings_for_case(db_session=db_session, case_id=case.id)
    ]
    latest = filings[0]["state"] if filings else None
    names = _usernames(db_session, filings)
    for filing in filings:  # "by user:usr_..." in the history, as the username
        filing["history"] = [
            {
                **e,
                "detail": USER_ACTOR.sub(lambda m: names.get(m.group(0), m.group(0)), e["detail"]),
            }
            for e in filing["history"]
        ]
        filing["requested_by"] = names.get(filing["requested_by"], filing["requested_by"])
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
            # Only where filing is allowed: a CyberTipline incident, not on its way or filed.
            "may_file": has_role(me.role, Role.LEGAL)
            and latest in (None, "failed")
            and is_reportable(case),
            "without_finding": service.without_finding(case),
            "reportable": is_reportable(case),
            "error": error,
        },
        status_code=status_code,
    )


USER_ACTOR = re.compile(r"user:[A-Za-z0-9_-]+")


def _usernames(db_session: Session, filings: list[dict[str, Any]]) -> dict[str, str]:
    """ "user:<id>" -> username, for the staff named in the filings' history."""
    found = {m for f in filings for e in f["history"] for m in USER_ACTOR.findall(e["detail"])}
    found |= {f["requested_by"] for f in filings if USER_ACTOR.fullmatch(f["requested_by"] or "")}
    ids = {actor.removeprefix("user:") for actor in found}
    if not ids:
        return {}
    rows = db_session.execute(select(User.id, User.username).where(User.id.in_(ids)))
    return {f"user:{user_id}": username for user_id, username in rows}


@router.post("/console/cases/{case_id}/ncmec", include_in_schema=False)
def console_file(
    request: Request,
    case_id: str,
    confirm: str = Form(""),
    me: ConsoleUser = Depends(require_console_user(Role.LEGAL)),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> Response:
    case = get_visible_case(db_session=db_session, case_id=case_id, user=me.user)
    unconfirmed = service.without_finding(case)
    try:
        if unconfirmed and confirm != "yes":
            # Filing without reviewers' finding is legal's own judgement: said, not clicked.
            raise InvalidInput(
                f"the case is {unconfirmed}: confirm that you file it anyway",
                code="ncmec_confirmation_required",
            )
        service.request_filing(db_session=db_session, settings=settings, case=case, actor=me.actor)
    except TakedownError as exc:
        db_session.rollback()
        return _console_page(
            request, me, db_session, case_id, error=exc.detail, status_code=exc.status
        )
    db_session.commit()
    return RedirectResponse(f"/console/cases/{quote(case.id)}/ncmec?notice=ncmec", status_code=303)
