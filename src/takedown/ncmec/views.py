"""Staff API: a case's CyberTipline filing state, and `legal` filing a report by hand."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from takedown.api.deps import get_db_session, get_settings
from takedown.auth.dependencies import require_role
from takedown.auth.models import Role, User
from takedown.auth.service import Principal
from takedown.errors import Forbidden
from takedown.ncmec import service
from takedown.review.service import get_visible_case
from takedown.settings import Settings

router = APIRouter(prefix="/v1/cases", tags=["ncmec"])


def _user(db_session: Session, principal: Principal) -> User:
    user = db_session.get(User, principal.user_id) if principal.user_id else None
    if user is None:
        raise Forbidden("a staff token is required", code="staff_token_required")
    return user


@router.get("/{case_id}/ncmec")
def case_filings(
    case_id: str,
    db_session: Session = Depends(get_db_session),
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


@router.post("/{case_id}/ncmec", status_code=202)
def file_case(
    case_id: str,
    db_session: Session = Depends(get_db_session),
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
