"""Is a removed item really down? A delivered `content.remove` only says the platform received the
order. Where the platform offers a status endpoint (TAKEDOWN_PLATFORM_CONTENT_STATUS_URL), this job
asks it about each removed item `removal_check_minutes` after the order: gone is recorded as
verified; still visible is audited and sent to on-call, and asked again at doubling intervals
(capped at `removal_check_max_hours`) until it is gone or the removal is reversed.

Safe in several processes: each item is claimed by moving its due time (compare-and-set), and the
platform is asked outside any transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, text, update
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record
from takedown.cases.models import Case
from takedown.enforcement.metrics import REMOVAL_CHECKS, STILL_UP
from takedown.enforcement.models import STILL_UP_WHERE, CaseCopy
from takedown.errors import TakedownError
from takedown.jobs.runner import PeriodicJob
from takedown.settings import Settings
from takedown.store.db import session_scope

log = logging.getLogger(__name__)
ACTOR = "system:enforcement"
BATCH = 50
CLAIM = timedelta(minutes=2)  # how long a claimed check is someone's before others retry it


@dataclass
class RemovalCheckRun:
    verified: int = 0
    still_up: int = 0
    unknown: int = 0


def removal_state(item: CaseCopy) -> str:
    """restored | verified_down | still_up | awaiting_check | not_checked (no status endpoint
    when it was removed)."""
    if item.restored_at is not None:
        return "restored"
    if item.removal_verified_at is not None:
        return "verified_down"
    if item.still_up_checks:
        return "still_up"
    return "awaiting_check" if item.next_removal_check_at is not None else "not_checked"


def first_check_at(settings: Settings, removed_at: datetime) -> datetime | None:
    """When a removal ordered at `removed_at` is first checked (None: no status endpoint)."""
    if not settings.platform_content_status_url:
        return None
    return removed_at + timedelta(minutes=settings.removal_check_minutes)


def check_due_removals(settings: Settings) -> RemovalCheckRun:
    from takedown.platform.fetch import content_is_visible

    run = RemovalCheckRun()
    if not settings.platform_content_status_url:
        return run
    for copy_id, content_id in _claim_due(settings):
        try:
            visible: bool | None = content_is_visible(settings, content_id)
            error = ""
        except TakedownError as exc:
            visible, error = None, exc.detail
        _record(settings, copy_id, visible, error)
        if visible is None:
            run.unknown += 1
        elif visible:
            run.still_up += 1
        else:
            run.verified += 1
    _refresh_still_up_gauge(settings)
    return run


def _refresh_still_up_gauge(settings: Settings) -> None:
    """What an alert rule on /metrics watches (it should be 0)."""
    with session_scope(settings.resolved_database_url) as db_session:
        STILL_UP.set(still_up_count(db_session))


def still_up_count(db_session: Session) -> int:
    """Items seen still visible after their removal order and not yet verified down, nor
    restored; read from their partial index (the query repeats its condition word for word,
    which SQLite needs to use it)."""
    return int(
        db_session.scalar(
            select(func.count(CaseCopy.id)).where(text(STILL_UP_WHERE)).select_from(CaseCopy)
        )
        or 0
    )


def _claim_due(settings: Settings) -> list[tuple[int, str]]:
    now = clock.now()
    claimed: list[tuple[int, str]] = []
    with session_scope(settings.resolved_database_url) as db_session:
        due = db_session.execute(
            select(CaseCopy.id, CaseCopy.content_id, CaseCopy.next_removal_check_at)
            .where(
                CaseCopy.next_removal_check_at.is_not(None),
                CaseCopy.next_removal_check_at <= now,
                CaseCopy.restored_at.is_(None),
            )
            .order_by(CaseCopy.next_removal_check_at)
            .limit(BATCH)
        ).all()
        for copy_id, content_id, due_at in due:
            moved = db_session.execute(
                update(CaseCopy)
                .where(CaseCopy.id == copy_id, CaseCopy.next_removal_check_at == due_at)
                .values(next_removal_check_at=now + CLAIM)
                .execution_options(synchronize_session=False)
            )
            if cast(CursorResult[Any], moved).rowcount == 1:
                claimed.append((copy_id, content_id))
    return claimed


def _record(settings: Settings, copy_id: int, visible: bool | None, error: str = "") -> None:
    """Store one check's answer (`visible` None: not known, asked again after the first wait)."""
    now = clock.now()
    with session_scope(settings.resolved_database_url) as db_session:
        item = db_session.get(CaseCopy, copy_id)
        if item is None or item.restored_at is not None:
            return
        item.last_removal_check_at = now
        item.removal_check_error = error[:2000] or None
        if visible is None:
            item.next_removal_check_at = now + timedelta(minutes=settings.removal_check_minutes)
            result = "unknown"
        elif visible:
            _still_up(db_session, settings, item, now)
            result = "still_up"
        else:
            _gone(db_session, item, now)
            result = "gone"
    REMOVAL_CHECKS.labels(result).inc()


def _gone(db_session: Any, item: CaseCopy, now: datetime) -> None:
    item.removal_verified_at = now
    item.next_removal_check_at = None
    record(
        db_session=db_session,
        actor=ACTOR,
        action="content.removal_verified",
        subject=item.case_id,
        details={
            "content_id": item.content_id,
            "minutes_after_order": round((now - item.removed_at).total_seconds() / 60, 1),
            "checks_still_up_before": item.still_up_checks,
        },
    )


def _still_up(db_session: Any, settings: Settings, item: CaseCopy, now: datetime) -> None:
    from takedown.notify.service import queue_oncall

    item.still_up_checks += 1
    item.next_removal_check_at = now + _wait_after(settings, item.still_up_checks)
    minutes = round((now - item.removed_at).total_seconds() / 60, 1)
    details = {
        "content_id": item.content_id,
        "account_id": item.account_id,
        "minutes_after_order": minutes,
        "checks_still_up": item.still_up_checks,
    }
    record(
        db_session=db_session,
        actor=ACTOR,
        action="content.still_up",
        subject=item.case_id,
        details=details,
    )
    case = db_session.get(Case, item.case_id)
    if case is not None:
        queue_oncall(
            db_session=db_session,
            settings=settings,
            kind="content.still_up",
            case=case,
            summary=(
                f"{item.content_id} is still visible {minutes:g} min after the removal order "
                f"of case {case.id}"
            ),
            details=details,
            dedupe_key=f"still-up:{item.id}:{item.still_up_checks}",
        )
    log.warning("%s still visible %g min after its removal order", item.content_id, minutes)


def _wait_after(settings: Settings, still_up_checks: int) -> timedelta:
    """The wait before asking again about an item still up: doubling, capped."""
    minutes = settings.removal_check_minutes * 2 ** min(still_up_checks, 20)
    return timedelta(minutes=min(minutes, settings.removal_check_max_hours * 60))


def removal_check_job() -> PeriodicJob:
    return PeriodicJob("removal-checks", check_due_removals, 30.0, own_thread=True)
