"""Who may see and decide which case, claims, and queue order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, not_, or_, select, true
from sqlalchemy.orm import Session, aliased

from takedown import clock
from takedown.audit.service import record
from takedown.auth.models import Role, User
from takedown.auth.users import has_role
from takedown.cases.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    REVIEW_STATUSES,
    Appeal,
    AppealStatus,
    Case,
    CaseStatus,
    Category,
    Outcome,
)
from takedown.cases.service import about_the_post, locked_case
from takedown.errors import Conflict, Forbidden, InvalidInput, NotFound
from takedown.quality.models import QualityCheck
from takedown.review.models import Decision
from takedown.review.queue_paging import QueuePage, queue_page
from takedown.settings import Settings
from takedown.store.paging import SortKey, ordered


class Queue:
    """Named queues of the console and `GET /v1/cases?queue=`."""

    OPEN = "open"  # every undecided case the user may see that has something to review
    CHILD_SAFETY = "child_safety"
    SECOND_REVIEW = "second_review"  # waiting for a second child-safety reviewer (not you)
    MINE = "mine"  # claimed by you, or assigned to you by a lead
    WATCHING = "watching"  # reports by fingerprint alone, waiting for a matching upload
    APPEALS = "appeals"  # open appeals you may decide (you did not decide the case)
    CLOSED = "closed"
    ALL = "all"

    NAMES = (OPEN, CHILD_SAFETY, SECOND_REVIEW, MINE, APPEALS, WATCHING, CLOSED, ALL)


def may_see_case(role: str | None, case: Case) -> bool:
    """Child-safety cases only for child_safety_reviewer and above (legal, admin)."""
    minimum = Role.CHILD_SAFETY_REVIEWER if case.is_child_safety else Role.REVIEWER
    return has_role(role, minimum)


def get_visible_case(*, db_session: Session, case_id: str, user: User) -> Case:
    """The case, if it exists and `user` may see it; otherwise NotFound / Forbidden."""
    case = db_session.get(Case, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}", code="case_not_found")
    if not may_see_case(user.role, case):
        raise Forbidden(
            "child-safety cases are open to child-safety reviewers only", code="child_safety_case"
        )
    return case


def visible_case_of_reference(*, db_session: Session, reference: str, user: User) -> Case:
    """The case a reference names: a case's own, or a report's (a reporter by fingerprint alone
    knows only their report's reference)."""
    from takedown.reports.models import Report

    reference = reference.strip()
    if reference.startswith("rep_"):
        report = db_session.get(Report, reference)
        if report is None:
            raise NotFound(f"no report {reference}", code="report_not_found")
        reference = report.case_id
    return get_visible_case(db_session=db_session, case_id=reference, user=user)


def claim_is_live(*, settings: Settings, case: Case) -> bool:
    if case.claimed_by is None or case.claimed_at is None:
        return False
    return clock.now() - case.claimed_at < timedelta(minutes=settings.claim_minutes)


def claim_case(*, db_session: Session, settings: Settings, case: Case, user: User) -> Case:
    """Claim a case so nobody else works it at once; a claim lapses after claim_minutes."""
    case = locked_case(db_session=db_session, case_id=case.id)
    if case.status in CLOSED_STATUSES:
        raise Conflict("the case is closed", code="case_closed")
    if case.claimed_by not in (None, user.id) and claim_is_live(settings=settings, case=case):
        raise Conflict("another reviewer is working on this case", code="claimed_by_other")
    if case.status == CaseStatus.SECOND_REVIEW and gave_the_first_look(
        db_session=db_session, case=case, user_id=user.id
    ):
        raise Forbidden(
            "the second review must be done by a different reviewer", code="two_person_rule"
        )
    ensure_fresh_eyes(db_session, case, user)  # a claim would only keep others from it
    now = clock.now()
    case.claimed_by, case.claimed_at, case.updated_at = user.id, now, now
    if case.status == CaseStatus.OPEN:
        case.status = CaseStatus.IN_REVIEW.value
    record(
        db_session=db_session,
        actor=f"user:{user.id}",
        action="case.claimed",
        subject=case.id,
        details={"until": now + timedelta(minutes=settings.claim_minutes)},
    )
    return case


def release_claim(*, db_session: Session, case: Case, user: User) -> None:
    if case.claimed_by != user.id:
        return
    case.claimed_by, case.claimed_at = None, None
    record(db_session=db_session, actor=f"user:{user.id}", action="case.released", subject=case.id)


def gave_the_first_look(*, db_session: Session, case: Case, user_id: str) -> bool:
    """True if `user_id` gave the decision that sent this case to second review (a no_violation,
    or a finding that it is not child sexual abuse or exploitation)."""
    return (
        db_session.scalar(
            select(Decision.id).where(
                Decision.case_id == case.id,
                Decision.appeal_id.is_(None),
                Decision.reviewer_id == user_id,
                Decision.final.is_(False),
            )
        )
        is not None
    )


def decided_case_before(*, db_session: Session, case_id: str, user_id: str) -> bool:
    """True if the user recorded any decision on the case, or did a quality check of one (so
    may not hear its appeal)."""
    decided = select(Decision.id).where(
        Decision.case_id == case_id, Decision.reviewer_id == user_id
    )
    checked = select(QualityCheck.id).where(
        QualityCheck.case_id == case_id, QualityCheck.checked_by == user_id
    )
    return db_session.scalar(decided.union_all(checked).limit(1)) is not None


def earlier_cases_about(db_session: Session, case: Case) -> list[Case]:
    """Closed cases about the same post (content id or address), oldest first: the post was
    reported before, and decided (or withdrawn)."""
    same = about_the_post(case.content_id, case.content_url_key, as_reporters_see_it=False)
    if same is None:
        return []
    closed = [s.value for s in CLOSED_STATUSES if s != CaseStatus.MERGED]
    return list(
        db_session.scalars(
            select(Case)
            .where(same, Case.id != case.id, Case.status.in_(closed))
            .order_by(Case.created_at)
        )
    )


def later_action_on_the_post(db_session: Session, case: Case) -> Case | None:
    """For a case decided "no violation": the first case about the same post opened after it
    that took action (reported again, or referred to child-safety review), else None."""
    same = about_the_post(case.content_id, case.content_url_key)
    if same is None or case.status != CaseStatus.NO_ACTION:
        return None
    return db_session.scalars(
        select(Case)
        .where(
            same,
            Case.id != case.id,
            Case.created_at > case.created_at,
            Case.status == CaseStatus.ACTION_TAKEN,
        )
        .order_by(Case.decided_at)
        .limit(1)
    ).first()


def no_violation_cases_before(db_session: Session, case: Case) -> list[Case]:
    """The cases about the same post opened before `case` and decided "no violation": their
    reporters hear when `case` takes action after all."""
    return [
        c
        for c in earlier_cases_about(db_session, case)
        if c.status == CaseStatus.NO_ACTION and c.created_at < case.created_at
    ]


def seen_by(cases: list[Case], user: User) -> tuple[list[Case], int]:
    """The cases `user` may see, and how many they may not."""
    seen = [c for c in cases if may_see_case(user.role, c)]
    return seen, len(cases) - len(seen)


def found_no_violation_before(db_session: Session, case: Case, user_id: str) -> str | None:
    """The last decided case about this post, if `user_id` found no violation in it: a post
    reported again after "no violation" is decided by someone else (fresh eyes). Only the last
    one, so a small team that has all looked at a post once can still decide it."""
    for key in _POST_KEYS:
        found = db_session.scalar(
            _last_no_violation_by(user_id, key).where(Case.id == case.id).limit(1)
        )
        if found is not None:
            return str(found)
    return None


def ensure_fresh_eyes(db_session: Session, case: Case, reviewer: User) -> None:
    earlier = found_no_violation_before(db_session, case, reviewer.id)
    if earlier is not None:
        raise Forbidden(
            f"you found no violation in case {earlier} about this post; the post was reported "
            "again, so a reviewer who has not decided on it reviews it",
            code="reported_again_after_your_no_violation",
        )


def decisions_for(*, db_session: Session, case_id: str) -> list[Decision]:
    return list(
        db_session.scalars(
            select(Decision).where(Decision.case_id == case_id).order_by(Decision.decided_at)
        )
    )


def visible_to(user: User) -> ColumnElement[bool]:
    if has_role(user.role, Role.CHILD_SAFETY_REVIEWER):
        return true()
    if has_role(user.role, Role.REVIEWER):
        return Case.is_child_safety.is_(False)
    return false()


def queue_query(
    *,
    user: User,
    queue: str = Queue.OPEN,
    status: str | None = None,
    category: str | None = None,
    language: str | None = None,
) -> Select:
    """Cases of a queue the user may see (of one category, for a team that handles one), most
    urgent first.

    Order: priority (P0 first); at equal priority cases whose reporters are all ranked lower
    (DSA Art 23) come after the others; then escalation level (highest first); then deadline.
    """
    if queue not in Queue.NAMES:
        raise InvalidInput(f"unknown queue {queue!r}; one of {', '.join(Queue.NAMES)}")
    query = select(Case).where(visible_to(user))
    my_first_no_violation = exists().where(
        Decision.case_id == Case.id,
        Decision.reviewer_id == user.id,
        Decision.appeal_id.is_(None),
        Decision.final.is_(False),
    )
    open_appeal = exists().where(Appeal.case_id == Case.id, Appeal.status == AppealStatus.OPEN)
    if queue in (Queue.OPEN, Queue.CHILD_SAFETY, Queue.SECOND_REVIEW, Queue.APPEALS):
        # Work queues hold only what the user may decide: not a post reported again after
        # their own "no violation" (fresh eyes; the case page says why, for a case found).
        query = query.where(not_(_after_no_violation_by(user.id)))
    if queue == Queue.OPEN:
        query = query.where(Case.status.in_([s.value for s in REVIEW_STATUSES]))
    elif queue == Queue.CHILD_SAFETY:
        query = query.where(
            Case.is_child_safety.is_(True), Case.status.in_([s.value for s in REVIEW_STATUSES])
        )
    elif queue == Queue.SECOND_REVIEW:
        query = query.where(Case.status == CaseStatus.SECOND_REVIEW, not_(my_first_no_violation))
    elif queue == Queue.MINE:
        query = query.where(
            or_(Case.claimed_by == user.id, Case.assigned_to == user.id),
            Case.status.in_([s.value for s in OPEN_STATUSES]),
        )
    elif queue == Queue.APPEALS:
        decided_before = exists().where(
            Decision.case_id == Case.id, Decision.reviewer_id == user.id
        )
        checked_before = exists().where(
            QualityCheck.case_id == Case.id, QualityCheck.checked_by == user.id
        )
        query = query.where(open_appeal, not_(decided_before), not_(checked_before))
    elif queue == Queue.WATCHING:
        query = query.where(Case.status == CaseStatus.WATCHING)
    elif queue == Queue.CLOSED:
        query = query.where(Case.status.in_([s.value for s in CLOSED_STATUSES]))
    if status:
        if status not in CaseStatus._value2member_map_:
            raise InvalidInput(f"unknown status {status!r}", code="invalid_status")
        query = query.where(Case.status == status)
    if category:
        if category not in Category._value2member_map_:
            raise InvalidInput(f"unknown category {category!r}", code="invalid_category")
        query = query.where(Case.category == category)
    if language:
        query = query.where(_reported_in(language))
    return ordered(query, QUEUE_ORDER)


# A queue's order, most urgent first; the case id last, so no two cases tie (cursor paging).
QUEUE_ORDER = (
    SortKey(Case.priority),
    SortKey(Case.ranked_lower),
    SortKey(Case.escalation_level, descending=True),
    SortKey(Case.deadline_at),
    SortKey(Case.created_at),
    SortKey(Case.id),
)


_DECIDED_STATUSES = [s.value for s in CLOSED_STATUSES if s != CaseStatus.MERGED]
# A post is one content id or one address: a case is about the post of another when either
# matches. Each is matched on its own index (an OR across the two scans).
_POST_KEYS = ("content_id", "content_url_key")


def _decided_about_the_post(other: Any, key: str) -> list[ColumnElement[bool]]:
    """`other` is a decided case about the (outer query's) Case's post, matched by `key`."""
    return [
        getattr(Case, key).is_not(None),
        getattr(other, key) == getattr(Case, key),
        other.id != Case.id,
        other.status.in_(_DECIDED_STATUSES),
        other.decided_at.is_not(None),
    ]


def _last_no_violation_by(user_id: str, key: str) -> Select[Any]:
    """The id of the decided case about the (outer query's) Case's post, matched by `key`, in
    which `user_id` found no violation, if no case about the post was decided after it."""
    earlier = aliased(Case)
    decided_after = []
    for other_key in _POST_KEYS:
        later = aliased(Case)
        decided_after.append(
            select(later.id)
            .where(
                *_decided_about_the_post(later, other_key),
                later.decided_at > earlier.decided_at,
            )
            .correlate(Case, earlier)
            .exists()
        )
    return (
        select(earlier.id)
        .where(
            *_decided_about_the_post(earlier, key),
            # Not correlated: the user's "no violation" cases are read once per query, where a
            # lookup per case used the reviewer's index and read all their decisions each time.
            earlier.id.in_(
                select(Decision.case_id).where(
                    Decision.reviewer_id == user_id,
                    Decision.outcome == Outcome.NO_VIOLATION.value,
                )
            ),
            *(not_(after) for after in decided_after),
        )
        .correlate(Case)
    )


def _after_no_violation_by(user_id: str) -> ColumnElement[bool]:
    """The (outer query's) Case is about a post whose last decided case `user_id` found no
    violation in (fresh eyes)."""
    return or_(*(exists(_last_no_violation_by(user_id, key)) for key in _POST_KEYS))


def _reported_in(language: str) -> ColumnElement[bool]:
    """A report of the case is in `language` (reports with none were made in English)."""
    from takedown.reports.models import Report

    same = Report.language == language.strip().lower()
    if language.strip().lower() == "en":
        same = or_(same, Report.language.is_(None))
    return exists().where(Report.case_id == Case.id, same)


def list_queue_page(
    *,
    db_session: Session,
    user: User,
    queue: str = Queue.OPEN,
    status: str | None = None,
    category: str | None = None,
    language: str | None = None,
    limit: int = 200,
    after: str | None = None,
) -> QueuePage:
    """At most `limit` cases of a queue from the `after` cursor (those that changed ahead of it
    since the page before first: queue_paging), and the cursor of the next page."""
    query = queue_query(user=user, queue=queue, status=status, category=category, language=language)
    return queue_page(db_session, query, QUEUE_ORDER, after=after, limit=limit)


def open_appeals_for(*, db_session: Session, case_id: str) -> list[Appeal]:
    return list(
        db_session.scalars(
            select(Appeal)
            .where(and_(Appeal.case_id == case_id, Appeal.status == AppealStatus.OPEN))
            .order_by(Appeal.created_at)
        )
    )


def is_overdue(case: Case) -> bool:
    return case.status in REVIEW_STATUSES and (
        case.deadline_at <= clock.now() or case.escalation_level >= 3
    )


def case_version(db_session: Session, case: Case) -> str:
    """What a decision form was rendered against: the case's status, category, reports and
    decisions. A form sent against another version is stale (`describe_change`); a claim (open
    to in review) does not count, as it changes nothing a reviewer decides on."""
    status = CaseStatus.OPEN.value if case.status == CaseStatus.IN_REVIEW else case.status
    decided = db_session.scalar(
        select(func.count()).select_from(Decision).where(Decision.case_id == case.id)
    )
    return f"{status}|{case.category}|{case.report_count}|{decided or 0}"


def describe_change(seen: str, now: str, *, yours_among_them: bool = False) -> str:
    """In words, what changed between two `case_version`s; `yours_among_them`: a decision
    recorded meanwhile is the reader's own (the same form sent twice)."""
    try:
        status, category, reports, decided = seen.split("|")
        status_now, category_now, reports_now, decided_now = now.split("|")
        more_decisions, more_reports = (
            int(decided_now) - int(decided),
            int(reports_now) - int(reports),
        )
    except ValueError:
        return "The case changed since you opened this page."
    changes = []
    if more_decisions > 0:
        changes.append(
            f"{more_decisions} {'decision was' if more_decisions == 1 else 'decisions were'} "
            "recorded (see Decisions)"
            + (", yours among them: the form was sent twice" if yours_among_them else "")
        )
    if status_now != status:
        changes.append(f"its status is now {status_now.replace('_', ' ')}")
        if status_now == CaseStatus.SECOND_REVIEW and not yours_among_them:
            changes.append("a decision you send now would be the second review, and final")
    if category_now != category:
        changes.append(f"its category is now {category_now.replace('_', ' ')}")
    if more_reports > 0:
        changes.append(
            f"{more_reports} new {'report' if more_reports == 1 else 'reports'} joined it"
        )
    return (
        "The case changed since you opened this page: "
        + ("; ".join(changes) or "it was updated")
        + ". Nothing was recorded: read it again, then send your decision (what you typed is kept)."
    )


def ensure_unchanged(
    db_session: Session, case: Case, seen_version: str | None, reviewer_id: str | None = None
) -> None:
    """A decision sent from a page rendered against another version of the case is refused, so
    a second review or a second appeal vote is never made without seeing the first."""
    if not seen_version:
        return
    now = case_version(db_session, case)
    if seen_version != now:
        yours = reviewer_id is not None and _decided_since(
            db_session, case, seen_version, reviewer_id
        )
        raise Conflict(
            describe_change(seen_version, now, yours_among_them=yours), code="case_changed"
        )


def _decided_since(db_session: Session, case: Case, seen_version: str, reviewer_id: str) -> bool:
    """`reviewer_id` made one of the decisions recorded after `seen_version` was read."""
    try:
        decided_before = int(seen_version.rsplit("|", 1)[1])
    except (IndexError, ValueError):
        return False
    reviewers = db_session.scalars(
        select(Decision.reviewer_id)
        .where(Decision.case_id == case.id)
        .order_by(Decision.decided_at, Decision.id)
        .offset(decided_before)
    )
    return reviewer_id in reviewers
