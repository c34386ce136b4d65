"""Tell reporters and appellants about a decision (the texts: review/public_texts.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.cases.models import Appeal, Case, CaseStatus
from takedown.notify.service import (
    queue_appeal_decision_message,
    queue_decision_message,
    queue_later_action_message,
)
from takedown.reports.models import Report
from takedown.review.service import no_violation_cases_before
from takedown.settings import Settings


def tell_reporters(*, db_session: Session, settings: Settings, case: Case) -> None:
    """Queue the decision message to every reporter who gave an email address. When the case
    takes action, the reporters of earlier cases about the post that were decided "no
    violation" hear it too: they were told nothing would be done."""
    queue_decision_message(db_session=db_session, case=case, settings=settings)
    if case.status != CaseStatus.ACTION_TAKEN:
        return
    addresses = _reporters_of(db_session, case)  # told this decision: nothing more for them
    for earlier in no_violation_cases_before(db_session, case):
        queue_later_action_message(
            db_session=db_session, settings=settings, earlier=earlier, case=case, told=addresses
        )


def _reporters_of(db_session: Session, case: Case) -> set[str]:
    return set(
        db_session.scalars(
            select(Report.reporter_email).where(
                Report.case_id == case.id, Report.reporter_email.is_not(None)
            )
        )
    )


def tell_appellant(*, db_session: Session, settings: Settings, case: Case, appeal: Appeal) -> None:
    queue_appeal_decision_message(
        db_session=db_session, appeal=appeal, case=case, settings=settings
    )
