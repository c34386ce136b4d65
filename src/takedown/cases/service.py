"""Plain functions on cases, shared by intake (reports) and review: lookups, status, priority,
deadlines and escalation timers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record
from takedown.cases import near_search
from takedown.cases.models import (
    CATEGORY_SEVERITY,
    CHILD_SAFETY_CATEGORIES,
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Appeal,
    Case,
    CaseMedia,
    CaseStatus,
    Category,
    Priority,
)
from takedown.errors import NotFound
from takedown.evidence.media import schedule_cleanup
from takedown.settings import Settings
from takedown.store.db import lock_on_sqlite

PRIORITY_RANK = {Priority.P0: 0, Priority.P1: 1, Priority.P2: 2}
# Escalate at 50 % and 90 % of the deadline window and at breach (levels 1, 2, 3).
ESCALATION_POINTS = (0.5, 0.9, 1.0)
MAX_ESCALATION_LEVEL = len(ESCALATION_POINTS)
ROLES_RAISING_TO_P0 = frozenset({"victim", "parent_or_guardian"})


def get_case(*, db_session: Session, case_id: str, for_update: bool = False) -> Case:
    """The case, or NotFound. `for_update` locks it for a read-modify-write (the row on
    PostgreSQL, the database on SQLite) and reads it fresh."""
    query = select(Case).where(Case.id == case_id)
    if for_update:
        lock_on_sqlite(db_session)
        query = query.with_for_update().execution_options(populate_existing=True)
    case = db_session.scalar(query)
    if case is None:
        raise NotFound(f"no case {case_id}", code="case_not_found")
    return case


def open_case_locked(*, db_session: Session, case_id: str) -> Case | None:
    """The case, locked and read fresh, if it is still open; None if a decision or a merge closed
    it since it was found (PostgreSQL checks the status again once the row lock is granted)."""
    return db_session.scalar(
        select(Case)
        .where(Case.id == case_id, Case.status.in_([s.value for s in OPEN_STATUSES]))
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def locked_case(*, db_session: Session, case_id: str) -> Case:
    """Take the case's write lock first, then read it fresh, so concurrent claims and decisions
    on one case run one after the other.

    PostgreSQL: the UPDATE takes the row lock (like SELECT ... FOR UPDATE). SQLite: it takes the
    database write lock at the start of the transaction; a plain read first would let two
    requests decide on the same stale status.
    """
    db_session.execute(
        update(Case)
        .where(Case.id == case_id)
        .values(updated_at=Case.updated_at)
        .execution_options(synchronize_session=False)
    )
    case = db_session.scalar(
        select(Case).where(Case.id == case_id).execution_options(populate_existing=True)
    )
    if case is None:
        raise NotFound(f"no case {case_id}", code="case_not_found")
    return case


def set_status(
    *,
    db_session: Session,
    case: Case,
    status: CaseStatus,
    actor: str,
    details: dict[str, Any] | None = None,
) -> Case:
    """Move a case to `status`, stop its timers when it closes, and audit the change."""
    previous = case.status
    now = clock.now()
    case.status = status.value
    if (previous in OPEN_STATUSES) != (status in OPEN_STATUSES):
        db_session.flush()
        if status in OPEN_STATUSES:
            near_search.key_case(db_session, case.id)
        else:
            near_search.unkey_case(db_session, case.id)
    case.updated_at = now
    if status in CLOSED_STATUSES:
        case.closed_at = now
        case.next_escalation_at = None
        schedule_cleanup(db_session, case.id)
    else:
        case.closed_at = None
    record(
        db_session=db_session,
        actor=actor,
        action="case.status_changed",
        subject=case.id,
        details={"from": previous, "to": status.value, **(details or {})},
    )
    db_session.flush()
    return case


# --- priority -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriorityFacts:
    """What priority is computed from: one report plus what is known about the content."""

    category: str
    subject_is_minor: str = "unknown"
    reporter_role: str | None = None
    trusted_flagger: bool = False  # designated: sent with a `trusted_flagger` key
    police_case_number: bool = False
    bank_match: bool = False
    uploader_has_violations: bool = False
    repeatedly_reported: bool = False  # settings.repeated_reports_raise_at reached
    # Takedown's own case for an upload stopped at scan ("blocked at upload", "held at upload")
    never_shown: str | None = None


def is_child_safety(category: str, subject_is_minor: str) -> bool:
    """A child-safety category, or a minor subject: the two-person rule applies."""
    return category in CHILD_SAFETY_CATEGORIES or subject_is_minor == "yes"


def priority_for(facts: PriorityFacts) -> Priority:
    """P0: child sexual abuse/exploitation (or intimate imagery of a minor) with an aggravating
    fact; P1: other child safety, NCII, designated trusted flaggers (a role the report only claims
    does not count); P2: the rest. Content reported again and again goes up a level: to P1, or to
    P0 when it is child safety or NCII (the reports that went unanswered are the failure Takedown
    exists to end)."""
    return _assessed(facts)[0]


def priority_reasons(facts: Iterable[PriorityFacts]) -> list[str]:
    """What gave a case's reports their priority, in words for reviewers, each fact once."""
    reasons: dict[str, None] = {}
    for fact in facts:
        reasons.update(dict.fromkeys(_assessed(fact)[1]))
    return list(reasons)


def _assessed(facts: PriorityFacts) -> tuple[Priority, list[str]]:
    """One report's priority and the facts that gave it (none for P2): the rule is written once,
    so what a reviewer reads is what decided."""
    aggravating = [
        reason
        for present, reason in (
            (facts.subject_is_minor == "yes", "a minor is shown"),
            (
                facts.reporter_role in ROLES_RAISING_TO_P0,
                "reported by the person shown or a parent",
            ),
            (facts.police_case_number, "a police case number"),
            (facts.bank_match, "the media matches a hash bank"),
            (facts.uploader_has_violations, "the uploader has earlier violations"),
        )
        if present
    ]
    # Intimate imagery of someone under 18 is child sexual abuse material, whatever a
    # teenager reporting it calls it.
    minor_intimate = (
        facts.category == Category.NON_CONSENSUAL_INTIMATE_IMAGERY
        and facts.subject_is_minor == "yes"
    )
    priority, reasons = Priority.P2, []
    if facts.category in CHILD_SAFETY_CATEGORIES or minor_intimate:
        priority = Priority.P0 if aggravating else Priority.P1
        what = (
            "intimate imagery of a minor"
            if minor_intimate
            else "child sexual abuse or exploitation"
        )
        reasons = [what, *aggravating]
    elif facts.subject_is_minor == "yes":
        priority, reasons = Priority.P1, ["a minor is shown"]
    elif facts.category == Category.NON_CONSENSUAL_INTIMATE_IMAGERY:
        priority, reasons = Priority.P1, ["intimate imagery shared without consent"]
    elif facts.trusted_flagger:
        priority, reasons = Priority.P1, ["a designated trusted flagger reported it"]
    if facts.repeatedly_reported and priority != Priority.P0:
        sensitive = is_child_safety(facts.category, facts.subject_is_minor) or (
            facts.category == Category.NON_CONSENSUAL_INTIMATE_IMAGERY
        )
        raised = Priority.P1 if priority == Priority.P2 else Priority.P0 if sensitive else priority
        if raised != priority:
            priority, reasons = raised, [*reasons, "reported repeatedly"]
    if facts.never_shown and priority == Priority.P0:
        # Never shown to anyone: urgent, but not ahead of material that is up right now.
        priority, reasons = Priority.P1, [*reasons, f"{facts.never_shown}, never shown (P1)"]
    return priority, reasons


def higher_priority(a: str, b: str) -> Priority:
    return min(Priority(a), Priority(b), key=PRIORITY_RANK.__getitem__)


def more_severe_category(a: str, b: str) -> str:
    return min(a, b, key=lambda c: CATEGORY_SEVERITY.index(Category(c)))


def uploader_has_violations(
    *,
    db_session: Session,
    account_id: str | None,
    exclude_case_id: str | None = None,
    exclude_content_id: str | None = None,
) -> bool:
    """Earlier violating cases for the account, or uploads the scan blocked. The case's own
    content (`exclude_content_id`: the back-catalogue scan or blocked upload that opened it) is
    not earlier history."""
    if not account_id:
        return False
    from takedown.scan.models import ContentItem

    violating = select(func.count()).where(
        Case.account_id == account_id, Case.outcome == "violating"
    )
    if exclude_case_id:
        violating = violating.where(Case.id != exclude_case_id)
    if db_session.scalar(violating):
        return True
    blocked = select(func.count()).where(
        ContentItem.account_id == account_id, ContentItem.verdict == "block"
    )
    if exclude_content_id:
        blocked = blocked.where(ContentItem.content_id != exclude_content_id)
    return bool(db_session.scalar(blocked))


# --- deadlines and escalation ----------------------------------------------------------------


def deadline_hours(*, settings: Settings, priority: str) -> float:
    return {
        Priority.P0: settings.deadline_p0_hours,
        Priority.P1: settings.deadline_p1_hours,
        Priority.P2: settings.deadline_p2_hours,
    }[Priority(priority)]


def deadline_window(
    *, settings: Settings, priority: str, start: datetime, legal_ncii: bool
) -> datetime:
    """When a case must be decided, counted from `start` (the report that set it)."""
    hours = deadline_hours(settings=settings, priority=priority)
    if legal_ncii:
        # TAKE IT DOWN Act: removal within 48 h of a valid request, whatever the priority says.
        hours = min(hours, settings.deadline_ncii_hours)
    return start + timedelta(hours=hours)


def escalation_time(case: Case, level: int) -> datetime | None:
    """When the case reaches escalation `level` (1..3), or None past the last level."""
    if level < 1 or level > MAX_ESCALATION_LEVEL:
        return None
    window = case.deadline_at - case.deadline_started_at
    return case.deadline_started_at + window * ESCALATION_POINTS[level - 1]


def escalation_level_at(case: Case, moment: datetime) -> int:
    level = 0
    for candidate in range(1, MAX_ESCALATION_LEVEL + 1):
        due = escalation_time(case, candidate)
        if due is not None and due <= moment:
            level = candidate
    return level


def reset_timers(case: Case, *, start: datetime, deadline_at: datetime) -> None:
    """Start a new deadline window; the escalation level is re-counted within it. A watching
    case keeps the window for when it is found, and nothing escalates meanwhile."""
    case.deadline_started_at = start
    case.deadline_at = deadline_at
    case.updated_at = clock.now()  # the queue's order moved (review/queue_paging.py)
    if case.status == CaseStatus.WATCHING:
        case.escalation_level, case.next_escalation_at = 0, None
        return
    case.escalation_level = escalation_level_at(case, clock.now())
    case.next_escalation_at = escalation_time(case, case.escalation_level + 1)


def start_watched_case(
    *, db_session: Session, settings: Settings, case: Case, found_by: str
) -> None:
    """A watching case got something to review (an upload matched the reporter's fingerprints,
    or a report named where the content is): it joins the queues with a fresh deadline."""
    now = clock.now()
    case.found_at = now
    set_status(
        db_session=db_session,
        case=case,
        status=CaseStatus.OPEN,
        actor="system",
        details={"found_by": found_by},
    )
    reset_timers(
        case,
        start=now,
        deadline_at=deadline_window(
            settings=settings,
            priority=case.priority,
            start=now,
            legal_ncii=case.deadline_is_legal,
        ),
    )


def apply_priority(
    *,
    settings: Settings,
    case: Case,
    priority: Priority,
    start: datetime,
    legal_ncii: bool,
) -> bool:
    """Raise (never lower) a case's priority; tighten (never loosen) its deadline.

    Returns True when the deadline moved.
    """
    raised = higher_priority(case.priority, priority).value
    if raised != case.priority:
        # A queue page read before the change must show the case ahead (review/queue_paging.py).
        case.priority, case.updated_at = raised, clock.now()
    if legal_ncii:
        case.deadline_is_legal = True
    candidate = deadline_window(
        settings=settings, priority=case.priority, start=start, legal_ncii=legal_ncii
    )
    if case.status in CLOSED_STATUSES or candidate >= case.deadline_at:
        return False
    reset_timers(case, start=start, deadline_at=candidate)
    return True


# --- what a case shows -----------------------------------------------------------------------


def case_reports(*, db_session: Session, case_id: str) -> list[Any]:
    from takedown.reports.models import Report

    return list(
        db_session.scalars(
            select(Report).where(Report.case_id == case_id).order_by(Report.received_at)
        )
    )


def distinct_reporters(reports: list[Any]) -> int:
    """Reporters counted by email; anonymous reports by client address, else each on its own."""
    keys = {r.reporter_email or r.client_address_hash or r.id for r in reports}
    return len(keys)


def case_media(*, db_session: Session, case_id: str) -> list[CaseMedia]:
    return list(
        db_session.scalars(
            select(CaseMedia).where(CaseMedia.case_id == case_id).order_by(CaseMedia.id)
        )
    )


def case_appeals(*, db_session: Session, case_id: str) -> list[Appeal]:
    return list(
        db_session.scalars(
            select(Appeal).where(Appeal.case_id == case_id).order_by(Appeal.created_at)
        )
    )


def case_priority(*, db_session: Session, settings: Settings, case: Case) -> Priority:
    """The highest priority any of the case's reports earns, with what is known of the content."""
    best = Priority.P2
    for facts in case_priority_facts(db_session=db_session, settings=settings, case=case):
        best = higher_priority(best, priority_for(facts))
    return best


def case_priority_facts(
    *, db_session: Session, settings: Settings, case: Case, reports: list[Any] | None = None
) -> list[PriorityFacts]:
    """Each report's facts with what is known of the content: what the case's priority is from
    (`reports`: the case's reports, where the caller has them already)."""

    violations = uploader_has_violations(
        db_session=db_session,
        account_id=case.account_id,
        exclude_case_id=case.id,
        exclude_content_id=case.content_id,
    )
    if reports is None:
        reports = case_reports(db_session=db_session, case_id=case.id)
    repeated = is_repeatedly_reported(
        settings,
        sum(not r.ranked_lower for r in reports)
        + earlier_reports_about(
            db_session=db_session, content_id=case.content_id, url_key=case.content_url_key
        ),
    )
    return [
        PriorityFacts(
            category=report.category,
            subject_is_minor=report.subject_is_minor,
            reporter_role=report.reporter_role,
            trusted_flagger=report.trusted_flagger,
            police_case_number=bool(report.law_enforcement_case_number),
            bank_match=case.bank_match,
            uploader_has_violations=violations and history_raises_priority(report.channel),
            repeatedly_reported=repeated,
            never_shown=never_shown(report.channel),
        )
        for report in reports
    ]


def never_shown(channel: str) -> str | None:
    """How a report's upload was kept from view at scan, when Takedown opened the case for that:
    a blocked upload, or one the platform holds until review (verdict `review`)."""
    from takedown.reports.models import Channel

    return {
        Channel.HASH_MATCH: "blocked at upload",
        Channel.HELD_AT_UPLOAD: "held at upload",
        Channel.ACCOUNT_HOLD: "held at upload",
    }.get(Channel(channel))


def history_raises_priority(channel: str) -> bool:
    """Whether the uploader's earlier violations make a report from `channel` more urgent. Not
    an account sweep's or an account hold's: they are why its upload is reviewed at all, not a
    fact about it."""
    from takedown.reports.models import Channel

    return channel not in (Channel.ACCOUNT_SWEEP, Channel.ACCOUNT_HOLD)


def is_repeatedly_reported(settings: Settings, reports: int) -> bool:
    threshold = settings.repeated_reports_raise_at
    return threshold > 0 and reports >= threshold


def about_the_post(
    content_id: str | None, url_key: str | None, *, as_reporters_see_it: bool = True
) -> ColumnElement[bool] | None:
    """Cases about the post with this content id or address key; None when neither is known.
    What reporters are shown or given (priority, "action was taken later") never counts a case
    that has them only from a report hidden from its reporter (`location_unverified`): it would
    tell what that report's picture matched. Staff see every case."""
    same = []
    if content_id:
        same.append(Case.content_id == content_id)
    if url_key:
        same.append(Case.content_url_key == url_key)
    if not same:
        return None
    if as_reporters_see_it:
        return and_(or_(*same), Case.location_unverified.is_(False))
    return or_(*same)


def earlier_reports_about(
    *, db_session: Session, content_id: str | None, url_key: str | None
) -> int:
    """Reports about this post on cases already closed (decided, or withdrawn), reporters
    flagged as unfounded not counted: a post reported again after "no violation" counts them."""
    same = about_the_post(content_id, url_key)
    if same is None:
        return 0
    from takedown.reports.models import Report

    closed = [s.value for s in CLOSED_STATUSES if s != CaseStatus.MERGED]
    return int(
        db_session.scalar(
            select(func.count())
            .select_from(Report)
            .join(Case, Case.id == Report.case_id)
            .where(same, Case.status.in_(closed), Report.ranked_lower.is_(False))
        )
        or 0
    )
