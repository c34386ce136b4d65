"""Reading the audit log: the staff API (`GET /v1/audit`) and the console's Audit log page,
for legal and admins (who revealed this media, who decided, who changed a bank or a user)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.api.deps import DB_SESSION, DatabaseId
from takedown.audit.models import AuditEntry
from takedown.audit.service import AuditQuery, audit_read, entry_json, find
from takedown.auth.dependencies import require_role
from takedown.auth.models import Role, User
from takedown.auth.service import Principal
from takedown.console.auth import ConsoleUser, require_console_user
from takedown.web.templating import render

router = APIRouter(tags=["staff: audit"])


def actor_names(db_session: Session, entries: list[AuditEntry]) -> dict[str, str]:
    """ "user:<id>" -> the username, for the actors among `entries` that are staff users."""
    ids = {e.actor.removeprefix("user:") for e in entries if e.actor.startswith("user:")}
    if not ids:
        return {}
    rows = db_session.execute(select(User.id, User.username).where(User.id.in_(ids)))
    return {f"user:{user_id}": username for user_id, username in rows}


def _query(subject: str, actor: str, action: str, before: int | None, limit: int) -> AuditQuery:
    return AuditQuery(
        subject=subject.strip() or None,
        actor=actor.strip() or None,
        action=action.strip() or None,
        before=before,
        limit=limit,
    )


@router.get("/v1/audit")
def audit_entries(
    subject: str = Query("", description="A case id, user id, bank name, ... (exact)"),
    actor: str = Query("", description='"user:<id>", "key:<id>", "cli", "system", ...'),
    action: str = Query("", description='An action or its prefix, e.g. "case." or "ncmec."'),
    before: Annotated[
        DatabaseId | None, Query(description="Entries before this sequence number")
    ] = None,
    limit: int = Query(100, ge=1, le=1000),
    principal: Principal = Depends(require_role(Role.LEGAL)),
    db_session: Session = DB_SESSION,
) -> dict[str, Any]:
    """Audit entries, newest first; page back with `before` = the last entry's `seq`. The
    reading is itself audited (`audit.read`)."""
    query = _query(subject, actor, action, before, limit)
    entries = find(db_session=db_session, query=query)
    reader = f"user:{principal.user_id}" if principal.user_id else f"key:{principal.key_id}"
    audit_read(db_session, reader=reader, query=query, shown=len(entries))
    db_session.commit()
    return {"entries": [entry_json(e) for e in entries]}


@router.get("/console/audit", response_class=HTMLResponse, include_in_schema=False)
def audit_page(
    request: Request,
    subject: str = "",
    actor: str = "",
    action: str = "",
    before: DatabaseId | None = None,
    me: ConsoleUser = Depends(require_console_user(Role.LEGAL)),
    db_session: Session = DB_SESSION,
) -> HTMLResponse:
    query = _query(subject, actor, action, before, 100)
    entries = find(db_session=db_session, query=query)
    audit_read(db_session, reader=f"user:{me.id}", query=query, shown=len(entries))
    db_session.commit()
    return render(
        request,
        "audit/log.html",
        {
            "me": me,
            "entries": entries,
            "names": actor_names(db_session, entries),
            "query": query,
            "older": entries[-1].seq if len(entries) == query.limit else None,
        },
    )
