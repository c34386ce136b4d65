"""Staff API and console page for the webhook outbox, and the items a case enforced."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.api.deps import DB_SESSION, get_settings
from takedown.auth.dependencies import require_role
from takedown.auth.models import Role
from takedown.auth.service import Principal
from takedown.cases.models import Case
from takedown.console.auth import ConsoleUser, require_console_user
from takedown.enforcement import account_sweep, copy_search, delivery, flows
from takedown.enforcement.held_uploads import held_uploads
from takedown.enforcement.models import OutboxEvent, OutboxStatus
from takedown.enforcement.removal_checks import removal_state
from takedown.errors import NotFound
from takedown.settings import Settings
from takedown.store.paging import SortKey, next_cursor, page
from takedown.web.templating import render

router = APIRouter(tags=["staff: enforcement"])


def event_json(event: OutboxEvent) -> dict[str, Any]:
    return {
        "event_id": event.id,
        "type": event.event_type,
        "case_id": event.case_id,
        "subject": event.subject,
        "status": event.status,
        "attempts": event.attempts,
        "created_at": event.created_at,
        "next_attempt_at": event.next_attempt_at if event.status == OutboxStatus.PENDING else None,
        "delivered_at": event.delivered_at,
        "last_error": event.last_error,
        "last_status_code": event.last_status_code,
    }


# Newest first; the event id last, so no two events tie (cursor paging).
OUTBOX_ORDER = (SortKey(OutboxEvent.created_at, descending=True), SortKey(OutboxEvent.id))


def _events(
    db_session: Session, status: str | None, limit: int, after: str | None = None
) -> list[OutboxEvent]:
    """At most `limit` + 1 events from just after the `after` cursor (the extra one: more)."""
    query = select(OutboxEvent)
    if status:
        query = query.where(OutboxEvent.status == status)
    return list(db_session.scalars(page(query, OUTBOX_ORDER, after).limit(limit + 1)))


@router.get("/v1/webhooks/outbox")
def outbox(
    status: OutboxStatus | None = Query(None),
    limit: int = Query(100, ge=1, le=1000),
    after: str | None = Query(
        None, max_length=1000, description="the `next` of the page before: the page after it"
    ),
    _: Principal = Depends(require_role(Role.ADMIN)),
    db_session: Session = DB_SESSION,
) -> dict[str, Any]:
    """Events waiting and failed, those of the last seven days delivered, and the latest events
    (of `status`, if given), `limit` a page: `next` is the `after` of the next page (null after
    the last). Failures are never silent."""
    events = _events(db_session, status, limit, after)
    return {
        "counts": delivery.recent_outbox_counts(db_session),
        "events": [event_json(e) for e in events[:limit]],
        "next": next_cursor(events, OUTBOX_ORDER, limit),
    }


@router.post("/v1/webhooks/outbox/{event_id}/retry")
def retry(
    event_id: str,
    principal: Principal = Depends(require_role(Role.ADMIN)),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """Re-queue a failed event after the receiver is fixed; its retry window starts again."""
    event = delivery.retry_failed(db_session=db_session, settings=settings, event_id=event_id)
    if event is None:
        raise NotFound(f"no event {event_id}", code="event_not_found")
    from takedown.audit.service import record

    record(
        db_session=db_session,
        actor=f"user:{principal.user_id}",
        action="webhook.requeued",
        subject=event_id,
        details={"type": event.event_type},
    )
    return event_json(event)


@router.get("/v1/cases/{case_id}/enforcement")
def case_enforcement(
    case_id: str,
    _: Principal = Depends(require_role(Role.CHILD_SAFETY_REVIEWER)),
    db_session: Session = DB_SESSION,
) -> dict[str, Any]:
    """Every item the case removed (the reported one and each copy), the ledger search for
    copies (which runs after the decision), the uploader's other uploads opened for review, the
    uploads held at scan for the case's review, and the case's platform events."""
    case = db_session.get(Case, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}", code="case_not_found")
    copies = flows.copies_for(db_session=db_session, case_id=case_id)
    events = db_session.scalars(
        select(OutboxEvent).where(OutboxEvent.case_id == case_id).order_by(OutboxEvent.created_at)
    )
    return {
        "case_id": case_id,
        "items": [
            {
                "content_id": c.content_id,
                "account_id": c.account_id,
                "match_kind": c.match_kind,
                "signal_type": c.signal_type,
                "distance": c.distance,
                "removed_at": c.removed_at,
                "restored_at": c.restored_at,
                "removal": removal_state(c),
                "removal_verified_at": c.removal_verified_at,
                "still_up_checks": c.still_up_checks,
                "last_removal_check_at": c.last_removal_check_at,
                "next_removal_check_at": c.next_removal_check_at,
                "removal_check_error": c.removal_check_error,
            }
            for c in copies
        ],
        "copy_search": copy_search.search_status(db_session, case_id=case_id),
        "account_sweeps": account_sweep.sweeps(db_session, case_id=case_id),
        "held_uploads": [asdict(u) for u in held_uploads(db_session, case)],
        "events": [event_json(e) for e in events],
    }


@router.get("/console/webhooks", response_class=HTMLResponse, include_in_schema=False)
def outbox_page(
    request: Request,
    status: str | None = None,
    me: ConsoleUser = Depends(require_console_user(Role.ADMIN)),
    db_session: Session = DB_SESSION,
) -> HTMLResponse:
    return render(
        request,
        "enforcement/outbox.html",
        {
            "me": me,
            "counts": delivery.recent_outbox_counts(db_session),
            "events": [event_json(e) for e in _events(db_session, status or "failed", 200)[:200]],
            "status": status or "failed",
        },
    )
