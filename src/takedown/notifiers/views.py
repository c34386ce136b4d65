"""Notifier accuracy for legal and administrators: `GET /v1/notifiers`,
`GET /v1/notifiers/{notifier}` (staff token) and the console's Notifiers pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from takedown import clock
from takedown.api.deps import DB_SESSION
from takedown.auth.dependencies import require_role
from takedown.auth.models import Role
from takedown.console.auth import ConsoleUser, require_console_user
from takedown.errors import NotFound
from takedown.notifiers.accuracy import (
    NotFoundViolating,
    NotifierTally,
    not_found_violating,
    tallies,
    tally_of,
)
from takedown.web.templating import render

router = APIRouter()
DEFAULT_DAYS = 90
DAYS = Query(DEFAULT_DAYS, ge=1, le=3650, description="Reports received in the last N days.")
legal_token = require_role(Role.LEGAL)
legal_console = require_console_user(Role.LEGAL)


def _tally_json(tally: NotifierTally) -> dict[str, Any]:
    hours = tally.median_hours_to_decision
    return {
        "notifier": tally.notifier,
        "name": tally.name,
        "trusted_flagger": tally.trusted_flagger,
        "revoked": tally.revoked,
        "reports": tally.reports,
        "decided": tally.decided,
        "violating": tally.violating,
        "no_violation": tally.no_violation,
        "undecided": tally.undecided,
        "violating_share": tally.violating_share,
        "median_hours_to_decision": None if hours is None else round(hours, 2),
    }


def _report_json(item: NotFoundViolating) -> dict[str, Any]:
    return {
        "report_id": item.report_id,
        "case_id": item.case_id,
        "category": item.category,
        "received_at": item.received_at.isoformat(),
        "decided_at": item.decided_at.isoformat(),
    }


def _since(days: int) -> datetime:
    return clock.now() - timedelta(days=days)


def _one(db_session: Session, notifier: str, since: datetime) -> NotifierTally:
    tally = tally_of(db_session, notifier, since=since)
    if tally is None:
        raise NotFound(
            f"no notifier {notifier!r} with reports in the period (an API key's id, or 'public')",
            code="notifier_not_found",
        )
    return tally


@router.get("/v1/notifiers", tags=["staff: transparency"], dependencies=[Depends(legal_token)])
def notifiers_api(days: int = DAYS, db_session: Session = DB_SESSION) -> dict[str, Any]:
    """Per API key (a platform's integration, a designated trusted flagger) and for reports sent
    without one: reports received in the period and how their cases stand now, decided
    violating, decided not, or undecided, with the median hours to the first decision. Trusted
    flaggers first, lowest share found violating first (DSA Art 22)."""
    since = _since(days)
    return {
        "since": since.isoformat(),
        "notifiers": [_tally_json(t) for t in tallies(db_session, since=since)],
    }


@router.get(
    "/v1/notifiers/{notifier}",
    tags=["staff: transparency"],
    dependencies=[Depends(legal_token)],
)
def notifier_api(notifier: str, days: int = DAYS, db_session: Session = DB_SESSION) -> dict:
    """One notifier's figures and its reports whose case stands decided `no_violation`, newest
    first (at most 500): the cases to read before telling a Digital Services Coordinator
    (DSA Art 22(6))."""
    since = _since(days)
    return {
        "since": since.isoformat(),
        **_tally_json(_one(db_session, notifier, since)),
        "not_found_violating": [
            _report_json(r) for r in not_found_violating(db_session, notifier, since=since)
        ],
    }


@router.get("/console/notifiers", response_class=HTMLResponse, include_in_schema=False)
def notifiers_page(
    request: Request,
    days: int = DAYS,
    me: ConsoleUser = Depends(legal_console),
    db_session: Session = DB_SESSION,
) -> HTMLResponse:
    return render(
        request,
        "notifiers/notifiers.html",
        {"me": me, "days": days, "tallies": tallies(db_session, since=_since(days))},
    )


@router.get("/console/notifiers/{notifier}", response_class=HTMLResponse, include_in_schema=False)
def notifier_page(
    request: Request,
    notifier: str,
    days: int = DAYS,
    me: ConsoleUser = Depends(legal_console),
    db_session: Session = DB_SESSION,
) -> HTMLResponse:
    since = _since(days)
    return render(
        request,
        "notifiers/notifier.html",
        {
            "me": me,
            "days": days,
            "tally": _one(db_session, notifier, since),
            "reports": not_found_violating(db_session, notifier, since=since),
        },
    )
