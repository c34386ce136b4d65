"""Tell reporters and appellants about a decision (the texts: review/public_texts.py)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from takedown.cases.models import Appeal, Case
from takedown.notify.service import queue_appeal_decision_message, queue_decision_message
from takedown.settings import Settings


def tell_reporters(*, db_session: Session, settings: Settings, case: Case) -> None:
    """Queue the decision message to every reporter who gave an email address."""
    queue_decision_message(db_session=db_session, case=case, settings=settings)


def tell_appellant(*, db_session: Session, settings: Settings, case: Case, appeal: Appeal) -> None:
    queue_appeal_decision_message(
        db_session=db_session, appeal=appeal, case=case, settings=settings
    )
