"""Quality checks of review decisions.

A share of final review decisions (`TAKEDOWN_QUALITY_SAMPLE_PERCENT`, 5 % by default) is sampled
when it is made. A reviewer who made no decision on the case then decides it again without
seeing the sampled decision (the console's blind page). The two agree when they found the same
outcome and, for a violation, the same category. That gives leads an agreement rate per category
and per reviewer, the measure of how far one reviewer's word can be trusted.

A disagreement is not only a number: when the checker's outcome differs from the one standing,
the case is reopened as an appeal (appellant `quality_review`), decided by a third reviewer under
the usual appeal rules (neither the deciders nor the checker; two reviewers to reverse a
child-safety removal). When it cannot be reopened (an appeal is open, the appeal window has
closed, or both found a violation under policies of different categories, which an appeal
cannot change), the check says why and a lead sees it on the Quality page. If the check found
child sexual abuse or exploitation there, it is not left to a lead: the case is referred to
child-safety review (review/referrals.py), as a case of its own about the post.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, func, not_, select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record
from takedown.auth.models import User
from takedown.cases.appeals import can_appeal, file_appeal, open_appeal
from takedown.cases.models import CHILD_SAFETY_CATEGORIES, CLOSED_STATUSES, Appellant, Case, Outcome
from takedown.errors import Conflict, Forbidden, NotFound
from takedown.ids import new_id
from takedown.quality.metrics import CHECKED, SAMPLED
from takedown.quality.models import CheckStatus, QualityCheck
from takedown.review import referrals
from takedown.review.models import Decision
from takedown.review.service import decided_case_before, may_see_case, visible_to
from takedown.settings import Settings

ACTOR = "system:quality"


def maybe_sample(
    *, db_session: Session, settings: Settings, case: Case, decision: Decision, category: str
) -> QualityCheck | None:
    """Sample a final review decision for a quality check, at the configured rate. `category`:
    what the decision confirmed (the case's category as decided)."""
    percent = settings.quality_sample_percent
    if percent <= 0 or secrets.randbelow(10_000) >= percent * 100:
        return None
    check = QualityCheck(
        id=new_id("qc"),
        case_id=case.id,
        decision_id=decision.id,
        decided_by=decision.reviewer_id,
        decided_outcome=decision.outcome,
        decided_category=category,
        sampled_at=clock.now(),
        status=CheckStatus.WAITING.value,
    )
    db_session.add(check)
    record(
        db_session=db_session,
        actor=ACTOR,
        action="quality.sampled",
        subject=case.id,
        details={"check_id": check.id, "decision_id": decision.id},
    )
    SAMPLED.inc()
    return check


def checkable_by(user: User) -> Select[QualityCheck]:
    """Waiting checks `user` may do: cases they may see and made no decision on."""
    decided = exists().where(
        Decision.case_id == QualityCheck.case_id, Decision.reviewer_id == user.id
    )
    return (
        select(QualityCheck)
        .join(Case, Case.id == QualityCheck.case_id)
        .where(
            QualityCheck.status == CheckStatus.WAITING.value,
            visible_to(user),
            not_(decided),
        )
        .order_by(QualityCheck.sampled_at)
    )


def waiting_for(db_session: Session, user: User, *, limit: int = 100) -> list[QualityCheck]:
    return list(db_session.scalars(checkable_by(user).limit(limit)))


def checks_of(db_session: Session, case_id: str) -> list[QualityCheck]:
    return list(
        db_session.scalars(
            select(QualityCheck)
            .where(QualityCheck.case_id == case_id)
            .order_by(QualityCheck.sampled_at)
        )
    )


def get_check(db_session: Session, check_id: str, user: User) -> tuple[QualityCheck, Case]:
    """The check and its case, if `user` may see the case."""
    check = db_session.get(QualityCheck, check_id)
    case = db_session.get(Case, check.case_id) if check is not None else None
    if check is None or case is None:
        raise NotFound(f"no quality check {check_id}", code="quality_check_not_found")
    if not may_see_case(user.role, case):
        raise Forbidden(
            "child-safety cases are open to child-safety reviewers only", code="child_safety_case"
        )
    return check, case


def ensure_may_check(db_session: Session, check: QualityCheck, user: User) -> None:
    """A check is done once, by a reviewer who made no decision on the case."""
    if check.status != CheckStatus.WAITING:
        raise Conflict("this quality check is done", code="quality_check_done")
    if decided_case_before(db_session=db_session, case_id=check.case_id, user_id=user.id):
        raise Forbidden(
            "a quality check goes to a reviewer who made no decision on the case",
            code="quality_check_needs_new_reviewer",
        )


def record_check(
    *,
    db_session: Session,
    settings: Settings,
    check_id: str,
    checker: User,
    outcome: str,
    policy: str = "",
    reason: str = "",
    classification: str | None = None,
    index: Any = None,
) -> QualityCheck:
    """Record the checker's own decision on a sampled case and compare it with the sampled one;
    a disagreement with the standing outcome reopens the case as an appeal where it can. A check
    that found child sexual abuse or exploitation where the case, not reopened, stands as
    something else refers it to child-safety review (a case of its own about the post)."""
    from takedown.cases.service import locked_case
    from takedown.reports.flows import serialise_intake
    from takedown.review.flows import ensure_may_find, finding, policy_named, validate_decision

    check, case = get_check(db_session, check_id, checker)
    # The intake lock before the case's, as every report takes them: a check may file a referral.
    serialise_intake(db_session)
    case = locked_case(db_session=db_session, case_id=case.id)  # one at a time with decisions
    db_session.refresh(check)
    ensure_may_check(db_session, check, checker)
    chosen, _ = validate_decision(
        case=case, outcome=outcome, policy=policy, reason=reason, classification=classification
    )
    # As on the case page: only a child-safety reviewer finds child sexual abuse or
    # exploitation; another checker refers the case (`refer_from_check`).
    ensure_may_find(checker, case, chosen, policy)
    violating = chosen == Outcome.VIOLATING
    found = finding(case, policy) if violating else case.category
    check.agrees = chosen == check.decided_outcome and (
        not violating or found == check.decided_category
    )
    check.status = CheckStatus.CHECKED.value
    check.checked_by = checker.id
    check.checked_at = clock.now()
    check.policy = policy_named(policy) if violating else policy.strip()
    check.outcome, check.reason = chosen.value, reason.strip()
    actor = f"user:{checker.id}"
    # Child sexual abuse found in a case that is not a child-safety case: an appeal on it would go
    # to reviewers who may not make that finding, so the finding goes to child-safety review.
    to_child_safety = (
        violating
        and found in CHILD_SAFETY_CATEGORIES
        and not case.is_child_safety
        and referrals.may_refer(case)
        and referrals.can_refer(db_session, settings, case)
    )
    if not check.agrees and to_child_safety:
        _refer(db_session, settings, index, case, checker, check, found)
        why = _why_not_reopened(db_session, settings, case, check)
        check.not_reopened_because = (
            why.removesuffix(": a lead decides")
            if why
            else "child sexual abuse or exploitation is for child-safety reviewers, not an "
            "appeal on this case"
        )
    elif not check.agrees:
        check.not_reopened_because = _why_not_reopened(db_session, settings, case, check)
        if check.not_reopened_because is None:
            appeal = file_appeal(
                db_session=db_session,
                settings=settings,
                case=case,
                appellant=Appellant.QUALITY_REVIEW,
                reason=(
                    f"Quality check {check.id}: another reviewer, deciding blind, found "
                    + (f"a violation ({check.policy})" if violating else "no violation")
                    + f". {check.reason}"
                ),
                actor=actor,
            )
            check.appeal_id = appeal.id
        elif violating and found in CHILD_SAFETY_CATEGORIES and referrals.may_refer(case):
            _refer(db_session, settings, index, case, checker, check, found)
            # Not left to a lead, then: the child-safety reviewers decide the referred case.
            check.not_reopened_because = check.not_reopened_because.removesuffix(": a lead decides")
    record(
        db_session=db_session,
        actor=actor,
        action="quality.checked",
        subject=case.id,
        details={
            "check_id": check.id,
            "decision_id": check.decision_id,
            "agrees": check.agrees,
            "appeal_id": check.appeal_id,
            "referred_case_id": check.referred_case_id,
        },
    )
    CHECKED.labels(result="agreed" if check.agrees else "disagreed").inc()
    db_session.flush()
    return check


def _why_not_reopened(
    db_session: Session, settings: Settings, case: Case, check: QualityCheck
) -> str | None:
    """Why a disagreeing check cannot reopen its case as an appeal; None when it can."""
    if check.outcome == check.decided_outcome:
        return (
            "both found a violation, under policies of different categories, which an appeal "
            "(upheld or reversed) cannot change: a lead decides"
        )
    if case.status not in CLOSED_STATUSES:
        if open_appeal(db_session, case) is not None:
            return "an appeal is open on the case; its reviewer sees this check on the case page"
        return "the case is under review again already"
    if case.outcome == check.outcome:
        return "the decision was reversed since, to what the check found"
    if not can_appeal(db_session=db_session, settings=settings, case=case):
        return f"the {settings.appeal_window_days}-day appeal window has closed: a lead decides"
    return None


@dataclass
class Tally:
    checked: int = 0
    agreed: int = 0

    @property
    def rate(self) -> float | None:
        return self.agreed / self.checked if self.checked else None


@dataclass
class Agreement:
    since: datetime
    overall: Tally = field(default_factory=Tally)
    by_category: dict[str, Tally] = field(default_factory=dict)
    by_reviewer: dict[str, Tally] = field(default_factory=dict)  # user id of the sampled decider
    waiting: int = 0
    disagreements: list[QualityCheck] = field(default_factory=list)  # newest first


def agreement(db_session: Session, *, since: datetime) -> Agreement:
    """Checks done since `since`: agreement overall, per category decided and per reviewer."""
    found = Agreement(since=since)
    for check in db_session.scalars(
        select(QualityCheck)
        .where(QualityCheck.status == CheckStatus.CHECKED.value, QualityCheck.checked_at >= since)
        .order_by(QualityCheck.checked_at.desc())
    ):
        for tally in (
            found.overall,
            found.by_category.setdefault(check.decided_category, Tally()),
            found.by_reviewer.setdefault(check.decided_by, Tally()),
        ):
            tally.checked += 1
            tally.agreed += bool(check.agrees)
        if not check.agrees:
            found.disagreements.append(check)
    found.waiting = (
        db_session.scalar(
            select(func.count())
            .select_from(QualityCheck)
            .where(QualityCheck.status == CheckStatus.WAITING.value)
        )
        or 0
    )
    return found


def _refer(
    db_session: Session,
    settings: Settings,
    index: Any,
    case: Case,
    checker: User,
    check: QualityCheck,
    found: str,
) -> None:
    """Refer the checked case to child-safety review with what the checker found."""
    referred = referrals.refer_to_child_safety(
        db_session=db_session,
        settings=settings,
        index=index,
        case_id=case.id,
        reviewer=checker,
        category=found,
        subject_is_minor=False,
        reason=f"Quality check {check.id}, deciding blind: {check.reason}",
    )
    check.referred_case_id = referred.id
