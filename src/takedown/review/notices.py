"""What reporters and appellants are told about a decision, in plain words."""

from __future__ import annotations

from sqlalchemy.orm import Session

from takedown.cases.models import Appeal, AppealOutcome, Case, Outcome
from takedown.notify.service import queue_appeal_decision_message, queue_decision_message
from takedown.review.models import Decision
from takedown.settings import Settings


def public_outcome_text(*, case: Case, decision: Decision) -> str:
    """The decision as the reporter reads it on /track (no reviewer names, no internals)."""
    if decision.outcome == Outcome.VIOLATING:
        policy = f" ({decision.policy})" if decision.policy else ""
        return (
            f"We found that the reported content breaks our rules{policy} and took action "
            "against it."
        )
    if case.is_child_safety:
        return (
            "Two reviewers looked at the reported content separately and found that it does not "
            "break our rules, so we took no action. You can appeal this decision."
        )
    return (
        "We reviewed the reported content and found that it does not break our rules, so we "
        "took no action. You can appeal this decision."
    )


def public_appeal_text(*, appeal: Appeal, outcome: AppealOutcome, standing: Outcome) -> str:
    if outcome == AppealOutcome.UPHELD:
        return "A reviewer who was not involved before looked again; the decision stands."
    if standing == Outcome.VIOLATING:
        return (
            "A reviewer who was not involved before looked again and reversed the decision: "
            "the content breaks our rules and we acted on it."
        )
    return (
        "Reviewers who were not involved before looked again and reversed the decision: "
        "the content does not break our rules and is restored."
    )


def tell_reporters(*, db_session: Session, settings: Settings, case: Case) -> None:
    """Queue the decision message to every reporter who gave an email address."""
    queue_decision_message(db_session=db_session, case=case, settings=settings)


def tell_appellant(*, db_session: Session, settings: Settings, case: Case, appeal: Appeal) -> None:
    queue_appeal_decision_message(
        db_session=db_session, appeal=appeal, case=case, settings=settings
    )
