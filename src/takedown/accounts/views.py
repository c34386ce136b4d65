"""Account history (staff API and console page) and lifting a suspension."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from takedown.accounts import service
from takedown.api.deps import DB_SESSION
from takedown.auth.dependencies import require_role
from takedown.auth.models import Role
from takedown.auth.service import Principal
from takedown.console.auth import ConsoleUser, require_console_user
from takedown.errors import Conflict
from takedown.web.templating import render

router = APIRouter(tags=["staff: accounts"])


def history_json(history: service.AccountHistory) -> dict[str, Any]:
    account = history.account
    return {
        "account_id": account.id,
        "status": account.status,
        "strike_count": account.strike_count,
        "suspended_at": account.suspended_at,
        "suspended_reason": account.suspended_reason,
        "suspended_by_case_id": account.suspended_by_case_id,
        "flagged_for_review": account.flagged_for_review,
        "flag_reason": account.flag_reason,
        "strikes": [
            {
                "id": s.id,
                "case_id": s.case_id,
                "policy": s.policy,
                "category": s.category,
                "created_at": s.created_at,
                "withdrawn_at": s.withdrawn_at,
            }
            for s in history.strikes
        ],
        "cases": history.cases,
        "uploads_total": history.uploads_total,
        "uploads_blocked": [
            {"content_id": i.content_id, "scan_id": i.scan_id, "scanned_at": i.scanned_at}
            for i in history.blocked_uploads
        ],
    }


@router.get("/v1/accounts/{account_id}")
def account_history(
    account_id: str,
    _: Principal = Depends(require_role(Role.REVIEWER)),
    db_session: Session = DB_SESSION,
) -> dict[str, Any]:
    """An account's cases, strikes, suspension and blocked uploads."""
    return history_json(service.history(db_session=db_session, account_id=account_id))


class RestoreIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


@router.post("/v1/accounts/{account_id}/restore")
def restore_account(
    account_id: str,
    body: RestoreIn,
    principal: Principal = Depends(require_role(Role.LEGAL)),
    db_session: Session = DB_SESSION,
) -> dict[str, Any]:
    """Lift a suspension by hand (sends account.restore)."""
    account = service.get_or_create(db_session=db_session, account_id=account_id)
    if not service.restore(
        db_session=db_session,
        account=account,
        reason=body.reason,
        case_id=None,
        actor=f"user:{principal.user_id}",
    ):
        raise Conflict("the account is not suspended", code="account_not_suspended")
    return history_json(service.history(db_session=db_session, account_id=account_id))


@router.get("/console/accounts/{account_id}", response_class=HTMLResponse, include_in_schema=False)
def account_page(
    request: Request,
    account_id: str,
    me: ConsoleUser = Depends(require_console_user(Role.REVIEWER)),
    db_session: Session = DB_SESSION,
) -> HTMLResponse:
    history = history_json(service.history(db_session=db_session, account_id=account_id))
    return render(request, "accounts/account.html", {"me": me, "account": history})
