"""Opening appeals (DSA Art 20). The review concern decides them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record
from takedown.cases.models import (
    CLOSED_STATUSES,
    Appeal,
    AppealStatus,
    Appellant,
    Case,
    CaseStatus,
)
from takedown.cases.service import deadline_window, reset_timers, set_status
from takedown.errors import Conflict
from takedown.settings import Settings


def appeal_closes_at(settings: Settings, case: Case) -> datetime | None:
    """The end of the appeal window, or None while the case is undecided."""
    if case.decided_at is None or case.status not in CLOSED_STATUSES:
        return None
    return case.decided_at + timedelta(days=settings.appeal_window_days)


def can_appeal(
    *,
    db_session: Session,
    settings: Settings,
    case: Case,
    appellant: Appellant | None = None,
    report_id: str | None = None,
) -> bool:
    """Whether the case's decision can be appealed now (by `appellant`, with `report_id` for a
    reporter, when given): decided, within the window, no appeal open, and not appealed by them
    before (`appealed_before`)."""
    closes = appeal_closes_at(settings, case)
    return (
        closes is not None
        and clock.now() <= closes
        and open_appeal(db_session, case) is None
        and not (
            appellant is not None
            and appealed_before(db_session, case, appellant=appellant, report_id=report_id)
        )
    )


def appealed_before(
    db_session: Session, case: Case, *, appellant: Appellant, report_id: str | None = None
) -> bool:
    """Whether this appellant has appealed the case already. DSA Art 20 gives one internal
    complaint against a decision, and its decision is final for whoever complained (their way on
    is out-of-court dispute settlement, Art 21, or a court): a reporter appeals once for their
    report, the uploader once for the case. Another reporter of the case may still appeal. A
    quality check's reopening is staff's own, not a complaint, and is not limited."""
    if appellant == Appellant.QUALITY_REVIEW:
        return False
    earlier = select(Appeal.id).where(
        Appeal.case_id == case.id, Appeal.appellant == appellant.value
    )
    if appellant == Appellant.REPORTER:
        earlier = earlier.where(Appeal.report_id == report_id)
    return db_session.scalar(earlier.limit(1)) is not None


def open_appeal(db_session: Session, case: Case) -> Appeal | None:
    return db_session.scalar(
        select(Appeal).where(Appeal.case_id == case.id, Appeal.status == AppealStatus.OPEN.value)
    )


def file_appeal(
    *,
    db_session: Session,
    settings: Settings,
    case: Case,
    appellant: Appellant,
    reason: str,
    actor: str,
    report_id: str | None = None,
    contact_email: str | None = None,
) -> Appeal:
    """Open an appeal against a closed case's decision; the case re-enters the queue."""
    if not can_appeal(db_session=db_session, settings=settings, case=case):
        raise Conflict(
            "this decision cannot be appealed now (undecided, already appealed, or the "
            f"{settings.appeal_window_days}-day window has closed)",
            code="appeal_not_open",
        )
    if appealed_before(db_session, case, appellant=appellant, report_id=report_id):
        raise Conflict(
            "this decision was appealed by this appellant already; an appeal's decision is final",
            code="appealed_already",
        )
    now = clock.now()
    appeal = Appeal(
        id=_appeal_id(),
        case_id=case.id,
        appellant=appellant.value,
        report_id=report_id,
        contact_email=contact_email,
        reason=reason.strip(),
        status=AppealStatus.OPEN.value,
        appealed_outcome=case.outcome,
        created_at=now,
    )
    db_session.add(appeal)
    set_status(
        db_session=db_session,
        case=case,
        status=CaseStatus.APPEALED,
        actor=actor,
        details={"appeal_id": appeal.id},
    )
    # An appeal is worked to the same deadline as the case's priority, from now.
    reset_timers(
        case,
        start=now,
        deadline_at=deadline_window(
            settings=settings, priority=case.priority, start=now, legal_ncii=False
        ),
    )
    record(
        db_session=db_session,
        actor=actor,
        action="appeal.received",
        subject=case.id,
        details={
            "appeal_id": appeal.id,
            "appellant": appeal.appellant,
            "against": case.outcome,
            "report_id": report_id,
        },
    )
    db_session.flush()
    return appeal


def _appeal_id() -> str:
    from takedown.ids import new_id

    return new_id("apl")
