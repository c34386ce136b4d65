"""Recording decisions: the two-person rule, acting on violating cases, and appeal outcomes.

Each function runs inside the caller's transaction: the decision row, the case's new status, the
audit entries, enforcement's rows (`act_on_decision`) and the reporter notifications commit or
roll back together.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record
from takedown.auth.models import Role, User
from takedown.auth.users import has_role
from takedown.cases.appeals import file_appeal
from takedown.cases.models import (
    CHILD_SAFETY_CATEGORIES,
    CLOSED_STATUSES,
    Appeal,
    AppealOutcome,
    AppealStatus,
    Appellant,
    Case,
    CaseStatus,
    Category,
    Outcome,
)
from takedown.cases.service import locked_case, set_status
from takedown.enforcement.flows import act_on_decision
from takedown.errors import Conflict, Forbidden, InvalidInput, NotFound
from takedown.ids import new_id
from takedown.notify.service import queue_oncall
from takedown.quality import service as quality
from takedown.review import notices, public_texts
from takedown.review.models import (
    IMMEDIATE_RISK_MAX_CHARS,
    POLICY_ALIASES,
    POLICY_CATEGORIES,
    REASON_MAX_CHARS,
    Classification,
    Decision,
    Stage,
    policy_key,
)
from takedown.review.service import (
    claim_is_live,
    decided_case_before,
    ensure_fresh_eyes,
    ensure_unchanged,
    gave_the_first_look,
    may_see_case,
)
from takedown.settings import Settings


def validate_decision(
    *, case: Case, outcome: str, policy: str, reason: str, classification: str | None
) -> tuple[Outcome, str | None]:
    try:
        chosen = Outcome(outcome)
    except ValueError as exc:
        raise InvalidInput(
            "outcome must be violating or no_violation", code="invalid_outcome"
        ) from exc
    if not reason.strip():
        raise InvalidInput("give the reason for the decision", code="reason_required")
    ensure_reason_fits(reason)
    classification = (classification or "").strip().upper() or None
    if classification is not None:
        if classification not in Classification._value2member_map_:
            raise InvalidInput(
                "classification must be A1, A2, B1 or B2", code="invalid_classification"
            )
        if chosen != Outcome.VIOLATING:
            raise InvalidInput(
                "a classification only goes with a violating decision",
                code="invalid_classification",
            )
    if chosen == Outcome.VIOLATING:
        if not policy.strip():
            raise InvalidInput("name the policy the content breaks", code="policy_required")
        policy = policy_named(policy)  # refuses a name reserved for the built-in policies
        found = finding(case, policy)
        if found == Category.CHILD_SEXUAL_ABUSE and classification is None:
            # Industry classification travels with CSAM to NCMEC and hash-sharing partners.
            raise InvalidInput(
                "child sexual abuse needs the industry classification (A1, A2, B1, B2)",
                code="classification_required",
            )
        if found != Category.CHILD_SEXUAL_ABUSE and classification is not None:
            raise InvalidInput(
                "the industry classification is for child sexual abuse material only; "
                f"the policy {policy.strip()!r} says the content is something else",
                code="invalid_classification",
            )
    return chosen, classification


def ensure_reason_fits(reason: str) -> None:
    """A reason longer than REASON_MAX_CHARS is refused, saying by how much (422
    `reason_too_long`), never cut: the reviewer shortens it."""
    if len(reason.strip()) > REASON_MAX_CHARS:
        raise InvalidInput(
            f"the reason has {len(reason.strip()):,} characters; at most {REASON_MAX_CHARS:,}",
            code="reason_too_long",
        )


def ensure_may_find(reviewer: User, case: Case, outcome: Outcome, policy: str) -> None:
    """Only a child-safety reviewer finds child sexual abuse or exploitation: the finding files a
    CyberTipline report and carries the industry classification. Others refer the case
    (review/referrals.py)."""
    if (
        outcome == Outcome.VIOLATING
        and finding(case, policy) in CHILD_SAFETY_CATEGORIES
        and not has_role(reviewer.role, Role.CHILD_SAFETY_REVIEWER)
    ):
        raise Forbidden(
            "only a child-safety reviewer finds child sexual abuse or exploitation; refer the "
            "case to child-safety review instead",
            code="child_safety_finding",
        )


def _immediate_risk(
    case: Case, outcome: Outcome, policy: str, immediate_risk: str | None
) -> str | None:
    """The reason a child is at immediate risk, stripped; only with a violating finding of child
    sexual abuse or exploitation (it escalates the CyberTipline report)."""
    text = (immediate_risk or "").strip()
    if not text:
        return None
    if outcome != Outcome.VIOLATING or finding(case, policy) not in CHILD_SAFETY_CATEGORIES:
        raise InvalidInput(
            "immediate risk to a child goes with a violating finding of child sexual abuse or "
            "exploitation",
            code="immediate_risk_needs_child_safety_finding",
        )
    if len(text) > IMMEDIATE_RISK_MAX_CHARS:
        raise InvalidInput(
            f"at most {IMMEDIATE_RISK_MAX_CHARS:,} characters", code="immediate_risk_too_long"
        )
    return text


def _page_for_immediate_risk(
    db_session: Session, settings: Settings, case: Case, decision: Decision
) -> None:
    if decision.immediate_risk is None:
        return
    queue_oncall(
        db_session=db_session,
        settings=settings,
        kind="immediate_risk",
        case=case,
        summary=f"A reviewer found a child at immediate risk in case {case.id}",
        details={"decision_id": decision.id, "reason": decision.immediate_risk},
        dedupe_key=f"immediate-risk:{decision.id}",
    )


def finding(case: Case, policy: str) -> str:
    """The category a violating decision under `policy` confirms: the policy's own (one of
    `Policy`, however spelt: `policy_named`), or for a platform's own policy name the category
    the case was reported as."""
    builtin = _builtin_policy(policy)
    return case.category if builtin is None else POLICY_CATEGORIES[builtin]


def _builtin_policy(policy: str) -> str | None:
    key = policy_key(policy)
    if key in POLICY_CATEGORIES:
        return key
    return POLICY_ALIASES.get(key)


# Words that, together, name child sexual abuse or exploitation: a platform's own policy name of
# that kind would decide a child-safety matter outside the child-safety rules.
_CHILD_WORDS = frozenset({"child", "children", "childrens", "minor", "minors", "underage"})
_SEXUAL_WORDS = frozenset(
    {"sexual", "sexually", "sex", "abuse", "exploitation", "porn", "pornography", "nude", "nudity"}
)
_ABBREVIATIONS = frozenset({"csam", "csem", "csea", "cse"})


def policy_named(policy: str) -> str:
    """The name a violating decision is recorded under: a built-in policy in any case or spacing,
    or named by its category ("CHILD_SEXUAL_ABUSE_MATERIAL", "child sexual abuse", "csam"), is
    that policy (`Policy`); any other name that speaks of child sexual abuse or exploitation is
    refused (422 `reserved_policy_name`); else the platform's own name, stripped."""
    builtin = _builtin_policy(policy)
    if builtin is not None:
        return builtin
    words = set(policy_key(policy).split("_"))
    if words & _ABBREVIATIONS or (words & _CHILD_WORDS and words & _SEXUAL_WORDS):
        raise InvalidInput(
            f"the policy {policy.strip()!r} speaks of child sexual abuse or exploitation: choose "
            "child_sexual_abuse_material or child_sexual_exploitation",
            code="reserved_policy_name",
        )
    return policy.strip()


def lowers_child_safety(case: Case, outcome: Outcome, policy: str) -> bool:
    """A violating decision that says a child-safety case is something else (adult imagery
    mislabelled as abuse, or "intimate imagery" of a person reported as under 18 found under a
    policy other than child sexual abuse): a child-safety "no", so the two-person rule applies to
    it too. Intimate imagery of a minor is child sexual abuse material (18 U.S.C. 2256(8)): the
    reviewer who finds the person a minor chooses that policy, with its classification, and the
    case is reported to NCMEC; another policy says the person is an adult."""
    return (
        outcome == Outcome.VIOLATING
        and case.is_child_safety
        and finding(case, policy) not in CHILD_SAFETY_CATEGORIES
    )


def record_decision(
    *,
    db_session: Session,
    settings: Settings,
    case_id: str,
    reviewer: User,
    outcome: str,
    policy: str = "",
    reason: str = "",
    classification: str | None = None,
    immediate_risk: str | None = None,
    seen_version: str | None = None,
) -> Decision:
    """Record a reviewer's decision on a case and apply the two-person rule.

    - violating: final at once; the case becomes action_taken and enforcement acts, under the
      category the policy confirms (`finding`).
    - a child-safety "no" (no_violation on a child-safety case, or violating under a policy that
      says it is not child sexual abuse or exploitation): the first moves the case to
      second_review; the decision of a *different* child-safety reviewer then stands.
    - no_violation on any other case: final, no_action.

    `seen_version`: the `case_version` the reviewer's form was rendered against, if any; a
    stale form is refused (409 `case_changed`).
    """
    case = locked_case(db_session=db_session, case_id=case_id)
    if not may_see_case(reviewer.role, case):
        raise Forbidden(
            "child-safety cases are open to child-safety reviewers only", code="child_safety_case"
        )
    ensure_unchanged(db_session, case, seen_version, reviewer.id)
    if case.status in CLOSED_STATUSES:
        raise Conflict("the case is already decided; appeals reopen it", code="case_closed")
    if case.status == CaseStatus.APPEALED:
        raise Conflict("the case has an open appeal; decide the appeal", code="case_appealed")
    if case.claimed_by not in (None, reviewer.id) and claim_is_live(settings=settings, case=case):
        raise Conflict("another reviewer has claimed this case", code="claimed_by_other")
    chosen, classification = validate_decision(
        case=case, outcome=outcome, policy=policy, reason=reason, classification=classification
    )
    ensure_may_find(reviewer, case, chosen, policy)
    ensure_fresh_eyes(db_session, case, reviewer)
    immediate_risk = _immediate_risk(case, chosen, policy, immediate_risk)
    second_look = case.status == CaseStatus.SECOND_REVIEW
    if second_look and gave_the_first_look(db_session=db_session, case=case, user_id=reviewer.id):
        raise Forbidden(
            "two-person rule: the second review must be done by a different reviewer",
            code="two_person_rule",
        )
    holds_open = (
        (chosen == Outcome.NO_VIOLATION or lowers_child_safety(case, chosen, policy))
        and case.is_child_safety
        and not second_look
    )
    decision = Decision(
        id=new_id("dec"),
        case_id=case.id,
        appeal_id=None,
        reviewer_id=reviewer.id,
        stage=(Stage.SECOND_REVIEW if second_look else Stage.FIRST_REVIEW).value,
        outcome=chosen.value,
        policy=policy_named(policy) if chosen == Outcome.VIOLATING else "",  # "no violation": none
        reason=reason.strip(),
        classification=classification,
        appeal_outcome=None,
        final=not holds_open,
        decided_at=clock.now(),
        deadline_at=case.deadline_at,
        immediate_risk=immediate_risk,
    )
    db_session.add(decision)
    db_session.flush()
    actor = f"user:{reviewer.id}"
    record(
        db_session=db_session,
        actor=actor,
        action="decision.recorded",
        subject=case.id,
        details={
            "decision_id": decision.id,
            "stage": decision.stage,
            "outcome": decision.outcome,
            "policy": decision.policy,
            "classification": classification,
            "final": decision.final,
            "immediate_risk": immediate_risk is not None,
        },
    )
    _page_for_immediate_risk(db_session, settings, case, decision)
    case.claimed_by, case.claimed_at = None, None
    if holds_open:
        # Two-person rule: one reviewer's no_violation never closes a child-safety case.
        set_status(
            db_session=db_session,
            case=case,
            status=CaseStatus.SECOND_REVIEW,
            actor=actor,
            details={"decision_id": decision.id},
        )
        if case.assigned_to == reviewer.id:
            # The rule `assignee_may_not_decide` keeps: the first reviewer may not decide the
            # second review, so the case leaves their "mine" queue for a lead to route.
            record(
                db_session=db_session,
                actor=actor,
                action="case.unassigned",
                subject=case.id,
                details={"to": None, "from": reviewer.id, "because": "two_person_rule"},
            )
            case.assigned_to, case.assigned_at = None, None
        return decision
    if chosen == Outcome.VIOLATING:
        _categorise_by_finding(db_session=db_session, case=case, decision=decision, actor=actor)
    _close(db_session=db_session, settings=settings, case=case, decision=decision, actor=actor)
    return decision


def _categorise_by_finding(
    *, db_session: Session, case: Case, decision: Decision, actor: str
) -> None:
    """The final violating decision's policy decides the case's category before enforcement
    runs, so the CyberTipline report, the bank's category, the strike rule and the statements of
    reasons follow what reviewers found, not what a report was called: child sexual abuse found
    in a "spam" report or a teenager's "intimate image" is reported to NCMEC (18 U.S.C. 2258A:
    apparent CSAM is reported whatever the report called it), and adult imagery mislabelled as
    abuse, confirmed so by two reviewers, is not."""
    found = finding(case, decision.policy)
    if found == case.category:
        return
    record(
        db_session=db_session,
        actor=actor,
        action="case.recategorised",
        subject=case.id,
        details={"from": case.category, "to": found, "decision_id": decision.id},
    )
    case.category = found
    if found in CHILD_SAFETY_CATEGORIES:
        case.is_child_safety = True


def _close(
    *, db_session: Session, settings: Settings, case: Case, decision: Decision, actor: str
) -> None:
    now = clock.now()
    case.outcome = decision.outcome
    case.outcome_text_public = public_texts.public_outcome_text(case=case, decision=decision)
    case.decided_at = now
    status = (
        CaseStatus.ACTION_TAKEN if decision.outcome == Outcome.VIOLATING else CaseStatus.NO_ACTION
    )
    set_status(
        db_session=db_session,
        case=case,
        status=status,
        actor=actor,
        details={"decision_id": decision.id},
    )
    act_on_decision(db_session=db_session, settings=settings, case=case, decision=decision)
    notices.tell_reporters(db_session=db_session, settings=settings, case=case)
    quality.maybe_sample(
        db_session=db_session,
        settings=settings,
        case=case,
        decision=decision,
        category=case.category,
    )


def decide_appeal(
    *,
    db_session: Session,
    settings: Settings,
    appeal_id: str,
    reviewer: User,
    outcome: str,
    reason: str = "",
    policy: str = "",
    classification: str | None = None,
    immediate_risk: str | None = None,
    seen_version: str | None = None,
) -> Decision:
    """Decide an appeal: upheld (the decision stands) or overturned (reversed).

    Only a reviewer who made no decision on the case may decide it. An overturn that is a
    child-safety "no" (a removal turned into no_violation, or "no violation" turned into a
    finding under a policy that is not child sexual abuse or exploitation) follows the
    two-person rule: it needs a second appeal reviewer.
    """
    appeal = db_session.get(Appeal, appeal_id)
    if appeal is None:
        raise NotFound(f"no appeal {appeal_id}", code="appeal_not_found")
    case = locked_case(db_session=db_session, case_id=appeal.case_id)  # serialises the appeal too
    appeal = db_session.scalar(
        select(Appeal).where(Appeal.id == appeal_id).execution_options(populate_existing=True)
    )
    assert appeal is not None
    if not may_see_case(reviewer.role, case):
        raise Forbidden(
            "child-safety cases are open to child-safety reviewers only", code="child_safety_case"
        )
    ensure_unchanged(db_session, case, seen_version, reviewer.id)  # a first appeal vote meanwhile
    if appeal.status != AppealStatus.OPEN:
        raise Conflict("the appeal is already decided", code="appeal_decided")
    if decided_case_before(db_session=db_session, case_id=case.id, user_id=reviewer.id):
        raise Forbidden(
            "an appeal goes to a reviewer who did not decide the case before",
            code="appeal_needs_new_reviewer",
        )
    ensure_fresh_eyes(db_session, case, reviewer)
    try:
        appeal_outcome = AppealOutcome(outcome)
    except ValueError as exc:
        raise InvalidInput("outcome must be upheld or overturned", code="invalid_outcome") from exc
    appealed = appeal.appealed_outcome or case.outcome or ""
    if appealed not in Outcome._value2member_map_:
        raise Conflict("the case has no decision to appeal against", code="nothing_to_appeal")
    standing = appealed
    if appeal_outcome == AppealOutcome.OVERTURNED:
        standing = (
            Outcome.NO_VIOLATION if appealed == Outcome.VIOLATING else Outcome.VIOLATING
        ).value
    if appeal_outcome == AppealOutcome.OVERTURNED:
        chosen, classification = validate_decision(
            case=case,
            outcome=standing,
            policy=policy,
            reason=reason,
            classification=classification,
        )
        ensure_may_find(reviewer, case, chosen, policy)
        immediate_risk = _immediate_risk(case, chosen, policy, immediate_risk)
    else:
        if not reason.strip():
            raise InvalidInput("give the reason for the appeal decision", code="reason_required")
        ensure_reason_fits(reason)
        chosen, classification = Outcome(standing), None
        ensure_may_find(reviewer, case, chosen, policy)  # the policy given decides the category
        immediate_risk = _immediate_risk(case, Outcome.NO_VIOLATION, policy, immediate_risk)
    earlier_overturn = db_session.scalar(
        select(Decision.id).where(
            Decision.appeal_id == appeal.id,
            Decision.appeal_outcome == AppealOutcome.OVERTURNED,
            Decision.final.is_(False),
        )
    )
    holds_open = (
        appeal_outcome == AppealOutcome.OVERTURNED
        and (chosen == Outcome.NO_VIOLATION or lowers_child_safety(case, chosen, policy))
        and case.is_child_safety
        and earlier_overturn is None
    )
    decision = Decision(
        id=new_id("dec"),
        case_id=case.id,
        appeal_id=appeal.id,
        reviewer_id=reviewer.id,
        stage=Stage.APPEAL.value,
        outcome=chosen.value,
        policy=policy_named(policy) if chosen == Outcome.VIOLATING else "",  # "no violation": none
        reason=reason.strip(),
        classification=classification,
        appeal_outcome=appeal_outcome.value,
        final=not holds_open,
        decided_at=clock.now(),
        deadline_at=case.deadline_at,
        immediate_risk=immediate_risk,
    )
    db_session.add(decision)
    db_session.flush()
    actor = f"user:{reviewer.id}"
    record(
        db_session=db_session,
        actor=actor,
        action="appeal.decided" if decision.final else "appeal.first_decision",
        subject=case.id,
        details={
            "appeal_id": appeal.id,
            "decision_id": decision.id,
            "appellant": appeal.appellant,
            "appeal_outcome": appeal_outcome.value,
            "standing_outcome": chosen.value,
            "final": decision.final,
            "immediate_risk": immediate_risk is not None,
        },
    )
    _page_for_immediate_risk(db_session, settings, case, decision)
    if holds_open:
        return decision
    now = clock.now()
    appeal.status = AppealStatus.DECIDED.value
    appeal.outcome = appeal_outcome.value
    appeal.decided_by = reviewer.id
    appeal.decided_at = now
    appeal.outcome_text_public = public_texts.public_appeal_text(
        appeal=appeal, outcome=appeal_outcome, standing=chosen
    )
    case.outcome = chosen.value
    case.outcome_text_public = public_texts.public_outcome_text(case=case, decision=decision)
    case.decided_at = now
    set_status(
        db_session=db_session,
        case=case,
        status=CaseStatus.ACTION_TAKEN if chosen == Outcome.VIOLATING else CaseStatus.NO_ACTION,
        actor=actor,
        details={"appeal_id": appeal.id, "decision_id": decision.id},
    )
    if chosen == Outcome.VIOLATING:
        _categorise_by_finding(db_session=db_session, case=case, decision=decision, actor=actor)
    act_on_decision(db_session=db_session, settings=settings, case=case, decision=decision)
    notices.tell_appellant(db_session=db_session, settings=settings, case=case, appeal=appeal)
    if appeal.appellant == Appellant.QUALITY_REVIEW and appeal_outcome == AppealOutcome.OVERTURNED:
        # Nobody appealed: the reporters were told the decision a quality check overturned.
        notices.tell_reporters(db_session=db_session, settings=settings, case=case)
    return decision


def record_uploader_appeal(
    *,
    db_session: Session,
    settings: Settings,
    case_id: str,
    actor: str,
    reason: str,
    contact_email: str | None = None,
) -> Appeal:
    """An uploader's appeal against a removal, sent by their platform (POST
    /v1/uploader-appeals, `actor` its key) or recorded by staff (the console, POST
    /v1/cases/{case_id}/appeals): one rule for both, a case where nothing was removed has
    nothing to appeal (409 `no_removal`)."""
    email = (contact_email or "").strip()
    if email:
        try:  # as the report form and POST /v1/uploader-appeals check an address (EmailStr)
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise InvalidInput(
                f"the uploader's email is not an email address: {exc}", code="invalid_email"
            ) from None
    case = locked_case(db_session=db_session, case_id=case_id)
    if case.outcome != Outcome.VIOLATING:
        raise Conflict(
            "an uploader appeals a removal; this case was not removed", code="no_removal"
        )
    return file_appeal(
        db_session=db_session,
        settings=settings,
        case=case,
        appellant=Appellant.UPLOADER,
        reason=reason,
        actor=actor,
        contact_email=email.lower() or None,
    )
