"""Prometheus gauges of the case load and time to action, read from the database (so every
serving process reports the same figures), refreshed by the escalation job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.cases.models import REVIEW_STATUSES, Case, CaseStatus, Priority
from takedown.metrics import database_gauge
from takedown.settings import Settings
from takedown.store.db import session_scope

CASES_OPEN = database_gauge(
    "takedown_cases_open",
    "Open cases (not yet decided) with something to review, by priority.",
    ["priority"],
)
CASES_WATCHING = database_gauge(
    "takedown_cases_watching",
    "Reports by fingerprint alone waiting for a matching upload (no deadline runs).",
)
CASES_OVERDUE = database_gauge(
    "takedown_cases_overdue", "Open cases past their deadline, by priority.", ["priority"]
)
OLDEST_OPEN = database_gauge(
    "takedown_case_oldest_open_seconds",
    "Age of the oldest open case (since it was opened, or found for a watching case), by "
    "priority; 0 when none is open.",
    ["priority"],
)
DECIDED_LAST_DAY = database_gauge(
    "takedown_cases_decided_last_day",
    "Cases decided in the last 24 hours, by priority and whether within their deadline.",
    ["priority", "on_time"],
)


@dataclass(frozen=True)
class PriorityLoad:
    open: int = 0  # with something to review (not watching)
    overdue: int = 0
    oldest_opened_at: datetime | None = None  # opened, or found for a case that was watching
    decided_last_day_on_time: int = 0
    decided_last_day_late: int = 0


@dataclass(frozen=True)
class CaseLoad:
    """The review backlog now, by priority: what the gauges export and the overview shows."""

    watching: int
    by_priority: dict[str, PriorityLoad]


def case_load(db_session: Session) -> CaseLoad:
    now = clock.now()
    open_statuses = [s.value for s in REVIEW_STATUSES]
    watching = db_session.scalar(
        select(func.count()).select_from(Case).where(Case.status == CaseStatus.WATCHING)
    )
    opened = func.coalesce(Case.found_at, Case.created_at)
    load = {
        priority: (count, oldest)
        for priority, count, oldest in db_session.execute(
            select(Case.priority, func.count(), func.min(opened))
            .where(Case.status.in_(open_statuses))
            .group_by(Case.priority)
        )
    }
    overdue = dict(
        db_session.execute(
            select(Case.priority, func.count())
            .where(Case.status.in_(open_statuses), Case.deadline_at < now)
            .group_by(Case.priority)
        ).all()
    )
    from takedown.review.models import Decision

    # Cases first decided in the last day: their first final decision, not `Case.decided_at`,
    # which an appeal decided today moves (an appeal weeks later is no case decided late today),
    # against the deadline it was made under, not the one an appeal set since.
    in_time = Decision.decided_at <= func.coalesce(Decision.deadline_at, Case.deadline_at)
    decided = db_session.execute(
        select(Case.priority, in_time, func.count(func.distinct(Case.id)))
        .join(Case, Case.id == Decision.case_id)
        .where(
            Decision.final.is_(True),
            Decision.appeal_id.is_(None),
            Decision.decided_at >= now - timedelta(days=1),
            Case.status != CaseStatus.MERGED.value,
        )
        .group_by(Case.priority, in_time)
    ).all()
    by_priority = {}
    for priority in Priority:
        count, oldest = load.get(priority.value, (0, None))
        on_time = [n for p, ok, n in decided if p == priority.value and bool(ok)]
        late = [n for p, ok, n in decided if p == priority.value and not ok]
        by_priority[priority.value] = PriorityLoad(
            open=count,
            overdue=overdue.get(priority.value, 0),
            oldest_opened_at=oldest,
            decided_last_day_on_time=sum(on_time),
            decided_last_day_late=sum(late),
        )
    return CaseLoad(watching=watching or 0, by_priority=by_priority)


def refresh_case_gauges(settings: Settings) -> None:
    now = clock.now()
    with session_scope(settings.resolved_database_url) as db_session:
        load = case_load(db_session)
    CASES_WATCHING.set(load.watching)
    for priority, figures in load.by_priority.items():
        CASES_OPEN.labels(priority).set(figures.open)
        CASES_OVERDUE.labels(priority).set(figures.overdue)
        oldest = figures.oldest_opened_at
        age = (now - oldest).total_seconds() if oldest is not None else 0.0
        OLDEST_OPEN.labels(priority).set(max(age, 0.0))
        DECIDED_LAST_DAY.labels(priority, "true").set(figures.decided_last_day_on_time)
        DECIDED_LAST_DAY.labels(priority, "false").set(figures.decided_last_day_late)
