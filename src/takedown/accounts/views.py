"""Account history (staff API and console page), lifting a suspension, and the accounts flagged
for a reviewer's look: clearing the flag, or opening the account's uploads for review."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from takedown.accounts import service
from takedown.api.deps import DB_SESSION, get_settings
from takedown.auth.dependencies import require_role
from takedown.auth.models import Role
from takedown.auth.service import Principal
from takedown.console.auth import ConsoleUser, require_console_user
from takedown.errors import Conflict, InvalidInput, TakedownError
from takedown.settings import Settings
from takedown.web.templating import render

router = APIRouter(tags=["staff: accounts"])

DONE = {  # what the account page says after a console form's action
    "swept": "The account's uploads are being opened for review: the cases join the queues as "
    "the sweep goes.",
    "cleared": "Flag cleared.",
}


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
        "flagged_at": account.flagged_at,
        "flag_cleared_at": account.flag_cleared_at,
        "flag_cleared_by": account.flag_cleared_by,
        "flag_note": account.flag_note,
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
        "sweeps": history.sweeps,
        "confirmed_case_id": history.confirmed_case_id,
    }


def flagged_json(accounts: list[Any]) -> dict[str, Any]:
    return {
        "accounts": [
            {
                "account_id": a.id,
                "status": a.status,
                "strike_count": a.strike_count,
                "flag_reason": a.flag_reason,
                "flagged_at": a.flagged_at,
            }
            for a in accounts
        ]
    }


@router.get("/v1/accounts")
def flagged_accounts(
    _: Principal = Depends(require_role(Role.REVIEWER)),
    db_session: Session = DB_SESSION,
) -> dict[str, Any]:
    """Accounts flagged for a reviewer's look (they posted a copy of confirmed material),
    longest waiting first."""
    return flagged_json(service.flagged(db_session=db_session))


class NoteIn(BaseModel):
    note: str = Field(min_length=1, max_length=2000)


@router.post("/v1/accounts/{account_id}/sweeps", status_code=201)
def sweep_account(
    account_id: str,
    body: NoteIn,
    principal: Principal = Depends(require_role(Role.CHILD_SAFETY_REVIEWER)),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """Open the account's uploads for review (enforcement/account_sweep.py), because of its
    latest confirmed case; clears its flag. 409 `no_confirmed_case` when no such case links it."""
    service.open_uploads_for_review(
        db_session=db_session,
        settings=settings,
        account_id=account_id,
        actor=f"user:{principal.user_id}",
        note=body.note,
    )
    return history_json(service.history(db_session=db_session, account_id=account_id))


@router.post("/v1/accounts/{account_id}/clear-flag")
def clear_account_flag(
    account_id: str,
    body: NoteIn,
    principal: Principal = Depends(require_role(Role.CHILD_SAFETY_REVIEWER)),
    db_session: Session = DB_SESSION,
) -> dict[str, Any]:
    """A reviewer looked and found nothing more to do: the flag goes, with the note why. 409
    `not_flagged` when the account is not flagged."""
    service.clear_flag(
        db_session=db_session,
        account_id=account_id,
        actor=f"user:{principal.user_id}",
        note=body.note,
    )
    return history_json(service.history(db_session=db_session, account_id=account_id))


@router.get("/v1/accounts/{account_id}")
def account_history(
    account_id: str,
    principal: Principal = Depends(require_role(Role.REVIEWER)),
    db_session: Session = DB_SESSION,
) -> dict[str, Any]:
    """An account's cases, strikes, suspension and blocked uploads (child-safety cases only
    counted, `cases_hidden`, for a reviewer who may not open them)."""
    history = history_json(service.history(db_session=db_session, account_id=account_id))
    return seen_by(db_session, principal.role, history)


def seen_by(db_session: Session, role: str | None, history: dict[str, Any]) -> dict[str, Any]:
    """The account's history as `role` may see it: child-safety cases are named only to
    child-safety reviewers and above; others are told how many there are (`cases_hidden`), to
    hand over, and see those cases' strikes and sweeps without the case."""
    from sqlalchemy import select

    from takedown.auth.users import has_role
    from takedown.cases.models import Case

    history = {**history, "cases_hidden": 0}
    if has_role(role, Role.CHILD_SAFETY_REVIEWER):
        return history
    named = {c["case_id"] for c in history["cases"]}
    named |= {s["case_id"] for s in history["strikes"]} | {s["case_id"] for s in history["sweeps"]}
    named.add(history["confirmed_case_id"])
    hidden = set(
        db_session.scalars(
            select(Case.id).where(Case.id.in_(named - {None}), Case.is_child_safety.is_(True))
        )
    )
    cases = [c for c in history["cases"] if c["case_id"] not in hidden]
    history["cases_hidden"] = len(history["cases"]) - len(cases)
    history["cases"] = cases
    history["strikes"] = [
        s if s["case_id"] not in hidden else {**s, "case_id": None, "policy": "child safety"}
        for s in history["strikes"]
    ]
    history["sweeps"] = [s for s in history["sweeps"] if s["case_id"] not in hidden]
    if history["confirmed_case_id"] in hidden:
        history["confirmed_case_id"] = None
    return history


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


@router.get("/console/accounts", response_class=HTMLResponse, include_in_schema=False)
def flagged_page(
    request: Request,
    me: ConsoleUser = Depends(require_console_user(Role.REVIEWER)),
    db_session: Session = DB_SESSION,
) -> HTMLResponse:
    """Accounts flagged for review, and a box to open any account by its id."""
    listed = flagged_json(service.flagged(db_session=db_session))
    return render(request, "accounts/flagged.html", {"me": me, **listed})


@router.get("/console/find-account", include_in_schema=False)
def find_account(
    account_id: str = "",
    _: ConsoleUser = Depends(require_console_user(Role.REVIEWER)),
) -> Response:
    target = f"/console/accounts/{quote(account_id.strip(), safe='')}" if account_id.strip() else ""
    return RedirectResponse(target or "/console/accounts", status_code=303)


@router.get("/console/accounts/{account_id}", response_class=HTMLResponse, include_in_schema=False)
def account_page(
    request: Request,
    account_id: str,
    me: ConsoleUser = Depends(require_console_user(Role.REVIEWER)),
    db_session: Session = DB_SESSION,
) -> HTMLResponse:
    return _page(
        request, me, db_session, account_id, DONE.get(request.query_params.get("done", ""))
    )


@router.post("/console/accounts/{account_id}/sweeps", include_in_schema=False)
def sweep_from_console(
    request: Request,
    account_id: str,
    note: str = Form(""),
    me: ConsoleUser = Depends(require_console_user(Role.CHILD_SAFETY_REVIEWER)),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> Response:
    return _console_action(
        request,
        me,
        db_session,
        account_id,
        note,
        "swept",
        lambda actor, text: service.open_uploads_for_review(
            db_session=db_session, settings=settings, account_id=account_id, actor=actor, note=text
        ),
    )


@router.post("/console/accounts/{account_id}/clear-flag", include_in_schema=False)
def clear_flag_from_console(
    request: Request,
    account_id: str,
    note: str = Form(""),
    me: ConsoleUser = Depends(require_console_user(Role.CHILD_SAFETY_REVIEWER)),
    db_session: Session = DB_SESSION,
) -> Response:
    return _console_action(
        request,
        me,
        db_session,
        account_id,
        note,
        "cleared",
        lambda actor, text: service.clear_flag(
            db_session=db_session, account_id=account_id, actor=actor, note=text
        ),
    )


def _console_action(
    request: Request,
    me: ConsoleUser,
    db_session: Session,
    account_id: str,
    note: str,
    done: str,
    act: Callable[[str, str], None],
) -> Response:
    """Run a form's action with the reviewer's note; the page again with the refusal, or a
    redirect to it with what was done."""
    try:
        if not note.strip():
            raise InvalidInput("say why, in a note", code="note_required")
        act(f"user:{me.user.id}", note.strip()[:2000])
    except TakedownError as exc:
        db_session.rollback()
        return _page(request, me, db_session, account_id, error=exc.detail, status=exc.status)
    db_session.commit()
    return RedirectResponse(
        f"/console/accounts/{quote(account_id, safe='')}?done={done}", status_code=303
    )


def _page(
    request: Request,
    me: ConsoleUser,
    db_session: Session,
    account_id: str,
    notice: str | None = None,
    *,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    history = seen_by(
        db_session,
        me.role,
        history_json(service.history(db_session=db_session, account_id=account_id)),
    )
    return render(
        request,
        "accounts/account.html",
        {"me": me, "account": history, "notice": notice, "error": error},
        status_code=status,
    )
