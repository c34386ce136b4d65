"""Prometheus gauges of the case load and time to action, read from the database (so every
serving process reports the same figures), refreshed by the escalation job."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

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


def refresh_case_gauges(settings: Settings) -> None:
    now = clock.now()
    open_statuses = [s.value for s in REVIEW_STATUSES]
    with session_scope(settings.resolved_database_url) as db_session:
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
        decided = db_session.execute(
            select(Case.priority, Case.decided_at <= Case.deadline_at, func.count())
            .where(
                Case.decided_at >= now - timedelta(days=1),
                Case.status != CaseStatus.MERGED.value,
            )
            .group_by(Case.priority, Case.decided_at <= Case.deadline_at)
        ).all()
    CASES_WATCHING.set(watching or 0)
    for priority in Priority:
        count, oldest = load.get(priority.value, (0, None))
        CASES_OPEN.labels(priority.value).set(count)
        CASES_OVERDUE.labels(priority.value).set(overdue.get(priority.value, 0))
        age = (now - oldest).total_seconds() if oldest is not None else 0.0
        OLDEST_OPEN.labels(priority.value).set(max(age, 0.0))
        for on_time in (True, False):
            DECIDED_LAST_DAY.labels(priority.value, str(on_time).lower()).set(
                sum(n for p, ok, n in decided if p == priority.value and bool(ok) == on_time)
            )
