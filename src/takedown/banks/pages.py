"""The console's Banks pages, for child-safety reviewers and above: what each hash bank holds, and
switching one entry off (a reporter's fingerprint that keeps matching harmless uploads, an
imported hash that misfires) or back on, with the reason in the audit log. Case pages link each
match and each fingerprint to its entry here. Creating, importing and bank settings stay with
the API and the CLI, where a platform key or the host's operator does them."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from takedown.api.deps import DB_SESSION, DatabaseId
from takedown.audit.service import AuditQuery, find
from takedown.audit.views import actor_names
from takedown.auth.models import Role
from takedown.banks import service
from takedown.banks.models import Bank, BankEntry
from takedown.banks.views import apply_now
from takedown.console.auth import ConsoleUser, require_console_user
from takedown.errors import Conflict, InvalidInput, NotFound, TakedownError
from takedown.web.templating import render

router = APIRouter(prefix="/console/banks", include_in_schema=False)
child_safety = require_console_user(Role.CHILD_SAFETY_REVIEWER)
PAGE = 100
DONE = {
    "disabled": "Entry switched off: every server stops matching it within about 2 seconds.",
    "enabled": "Entry switched on again: every server matches it within about 2 seconds.",
}


@router.get("", response_class=HTMLResponse)
def banks_page(
    request: Request, me: ConsoleUser = Depends(child_safety), db_session: Session = DB_SESSION
) -> HTMLResponse:
    return render(
        request, "banks/banks.html", {"me": me, "banks": service.list_banks(db_session=db_session)}
    )


@router.get("/entries/{entry_id}")
def entry_page(
    entry_id: DatabaseId,
    _: ConsoleUser = Depends(child_safety),
    db_session: Session = DB_SESSION,
) -> RedirectResponse:
    """An entry by its id alone (a case page's match or fingerprint), on its bank's page."""
    entry = db_session.get(BankEntry, entry_id)
    bank = db_session.get(Bank, entry.bank_id) if entry is not None else None
    if entry is None or bank is None:
        raise NotFound(f"no bank entry {entry_id}", code="entry_not_found")
    return RedirectResponse(
        f"/console/banks/{quote(bank.name, safe='')}?entry={entry_id}", status_code=303
    )


@router.get("/{name}", response_class=HTMLResponse)
def bank_page(
    request: Request,
    name: str,
    after_id: DatabaseId = 0,
    entry: Annotated[DatabaseId | None, Query(ge=1)] = None,
    q: str = Query("", max_length=20_000),
    me: ConsoleUser = Depends(child_safety),
    db_session: Session = DB_SESSION,
) -> HTMLResponse:
    return _bank_page(request, me, db_session, name, after_id=after_id, entry=entry, q=q)


@router.post("/{name}/entries/{entry_id}/{switch}")
def switch_entry(
    request: Request,
    name: str,
    entry_id: DatabaseId,
    switch: str,
    reason: str = Form(""),
    me: ConsoleUser = Depends(child_safety),
    db_session: Session = DB_SESSION,
) -> Response:
    try:
        if switch not in ("disable", "enable"):
            raise InvalidInput("switch an entry off or on", code="invalid_switch")
        if not reason.strip():
            raise InvalidInput("say why, for the audit log", code="reason_required")
        bank = service.get_bank(db_session=db_session, name=name)
        current = service.get_entry(db_session=db_session, bank=bank, entry_id=entry_id)
        if current.enabled == (switch == "enable"):  # a page opened before someone else's switch
            raise Conflict(_already(db_session, bank, current), code=f"entry_already_{switch}d")
        service.set_entry_enabled(
            db_session=db_session,
            bank_name=name,
            entry_id=entry_id,
            enabled=switch == "enable",
            actor=f"user:{me.user.id}",
            reason=reason.strip()[:2000],
        )
    except TakedownError as exc:
        db_session.rollback()
        return _bank_page(
            request, me, db_session, name, entry=entry_id, error=exc.detail, status=exc.status
        )
    apply_now(request, db_session)
    return RedirectResponse(
        f"/console/banks/{quote(name, safe='')}?entry={entry_id}&done={switch}d", status_code=303
    )


def _already(db_session: Session, bank: Bank, entry: BankEntry) -> str:
    """Why switching found nothing to do: who put the entry in its state and when, if known."""
    state = "on" if entry.enabled else "off"
    action = "bank.entry.enable" if entry.enabled else "bank.entry.disable"
    recent = find(
        db_session=db_session,
        query=AuditQuery(subject=f"bank:{bank.name}", action=action, limit=1000),
    )
    last = next((e for e in recent if e.details.get("entry_id") == entry.id), None)
    if last is not None:
        who = actor_names(db_session, [last]).get(last.actor, last.actor)
        since = f"by {who} on {last.at:%Y-%m-%d %H:%M} UTC"
    elif entry.enabled:
        since = f"since it was added on {entry.added_at:%Y-%m-%d %H:%M} UTC"
    else:
        since = f"since {entry.updated_at:%Y-%m-%d %H:%M} UTC"
    return (
        f"Nothing changed: entry {entry.id} was already switched {state} {since}. "
        "Your reason was not recorded."
    )


def _bank_page(
    request: Request,
    me: ConsoleUser,
    db_session: Session,
    name: str,
    *,
    after_id: int = 0,
    entry: int | None = None,
    q: str = "",
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    bank = service.get_bank(db_session=db_session, name=name)
    query = select(BankEntry).where(BankEntry.bank_id == bank.id)
    if entry is not None:
        query = query.where(BankEntry.id == entry)
    elif q.strip():
        wanted = q.strip()
        query = query.where(
            or_(
                BankEntry.value_digest == service.value_digest(wanted.lower()),
                BankEntry.value_digest == service.value_digest(wanted),
                BankEntry.external_id == wanted,
            )
        )
    else:
        query = query.where(BankEntry.id > after_id)
    entries = list(db_session.scalars(query.order_by(BankEntry.id).limit(PAGE)))
    enabled, total = service.entry_counts(db_session=db_session, bank=bank)
    from takedown.exchanges import service as exchanges  # exchanges build on banks
    from takedown.exchanges.models import BankExchange

    followed = db_session.get(BankExchange, bank.id)
    exchange = (
        None
        if followed is None
        else exchanges.status_of(db_session=db_session, bank_name=bank.name, exchange=followed)
    )
    return render(
        request,
        "banks/bank.html",
        {
            "me": me,
            "bank": bank,
            "enabled_entries": enabled,
            "total_entries": total,
            "entries": entries,
            "exchange": exchange,
            "filtered": entry is not None or bool(q.strip()),
            "q": q,
            "next_after": entries[-1].id if len(entries) == PAGE else None,
            "done": DONE.get(request.query_params.get("done", "")),
            "error": error,
        },
        status_code=status,
    )
