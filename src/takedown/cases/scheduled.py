"""Timed work on cases: escalation at 50 % / 90 % of the deadline and at breach (which also
refreshes the case gauges on /metrics), and fetching reported media from the platform. Both are
safe in several processes at once."""

from __future__ import annotations

import logging
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from takedown import clock
from takedown.audit.service import record
from takedown.cases.metrics import refresh_case_gauges
from takedown.cases.models import OPEN_STATUSES, Case
from takedown.cases.service import escalation_level_at, escalation_time
from takedown.jobs.runner import PeriodicJob
from takedown.settings import Settings
from takedown.store.db import session_scope

log = logging.getLogger(__name__)
LEVEL_NAMES = {1: "50% of deadline", 2: "90% of deadline", 3: "deadline breached"}
BATCH = 200


def escalate_due_cases(settings: Settings) -> int:
    """Raise the escalation level of every open case whose next escalation time has passed,
    audit it, and alert on-call. Returns how many cases escalated."""
    from takedown.notify.service import queue_oncall

    now = clock.now()
    escalated = 0
    with session_scope(settings.resolved_database_url) as db_session:
        due = db_session.execute(
            select(Case.id, Case.next_escalation_at)
            .where(
                Case.next_escalation_at.is_not(None),
                Case.next_escalation_at <= now,
                Case.status.in_([s.value for s in OPEN_STATUSES]),
            )
            .order_by(Case.next_escalation_at)
            .limit(BATCH)
        ).all()
    for case_id, due_at in due:
        with session_scope(settings.resolved_database_url) as db_session:
            case = db_session.get(Case, case_id)
            if case is None:
                continue
            level = max(case.escalation_level, escalation_level_at(case, now))
            following = escalation_time(case, level + 1)
            # Compare-and-set on the due time: another process that got here first wins.
            claimed = db_session.execute(
                update(Case)
                .where(Case.id == case_id, Case.next_escalation_at == due_at)
                .values(escalation_level=level, next_escalation_at=following, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if cast(CursorResult[Any], claimed).rowcount != 1:
                continue
            db_session.refresh(case)
            details = {
                "level": level,
                "reason": LEVEL_NAMES[level],
                "deadline_at": case.deadline_at.isoformat(),
                "priority": case.priority,
            }
            record(
                db_session=db_session,
                actor="system",
                action="case.escalated",
                subject=case.id,
                details=details,
            )
            queue_oncall(
                db_session=db_session,
                settings=settings,
                kind="case.escalated",
                case=case,
                summary=f"case {case.id} ({case.priority}): {LEVEL_NAMES[level]}",
                details={"escalation_level": level, "reason": LEVEL_NAMES[level]},
                dedupe_key=f"escalation:{case.id}:{level}:{case.deadline_at.isoformat()}",
            )
            escalated += 1
    refresh_case_gauges(settings)
    return escalated


def escalation_job() -> PeriodicJob:
    return PeriodicJob("case-escalation", escalate_due_cases, 5.0)


def platform_media_job(app: object) -> PeriodicJob:
    from takedown.cases.fetching import fetch_pending_media

    def run(settings: Settings) -> None:
        fetch_pending_media(settings, getattr(app.state, "index", None))  # type: ignore[attr-defined]

    return PeriodicJob("case-platform-media", run, 10.0, own_thread=True)
