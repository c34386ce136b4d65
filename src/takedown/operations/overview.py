"""The overview a lead looks at first: the review backlog by priority, the last week's time to
action, what waits on a person (second reviews, appeals, held uploads, quality checks, flagged
accounts), and
whether the pipelines behind a decision are flowing (webhooks, removal checks, CyberTipline
filings, copy searches, sweeps, the lookback).

The embedded default has no Prometheus or Grafana, so the same figures `/metrics` exports are
read here from the database; the week's time to action is the transparency report's own
computation over the last seven days, so the two never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.accounts.service import flagged_count
from takedown.cases.metrics import CaseLoad, case_load
from takedown.cases.models import REVIEW_STATUSES, Appeal, AppealStatus, Case, CaseStatus
from takedown.enforcement.models import (
    AccountSweep,
    CopySearch,
    CopySearchStatus,
    OutboxEvent,
    OutboxStatus,
    SweepStatus,
)
from takedown.enforcement.removal_checks import still_up_count
from takedown.lookback.models import LookbackSearch, LookbackStatus
from takedown.ncmec.models import FilingState, NcmecFiling
from takedown.quality.models import CheckStatus, QualityCheck
from takedown.quality.service import Tally, agreement
from takedown.reports.models import Channel, Report
from takedown.transparency.report import decisions, gather, removals

WEEK = timedelta(days=7)
HELD_CHANNELS = (Channel.HELD_AT_UPLOAD.value, Channel.FINGERPRINT_MATCH.value)


@dataclass(frozen=True)
class Waiting:
    count: int
    oldest: datetime | None = None


@dataclass(frozen=True)
class LastWeek:
    """Cases first decided in the last seven days (transparency.report.gather)."""

    actioned: int
    no_action: int
    median_hours_to_action: float | None
    p90_hours_to_action: float | None
    deadline_breaches: int
    removals_verified_down: int
    removals_seen_still_up: int
    quality: Tally  # quality checks done (quality/service.py), agreed with the sampled decision
    quality_not_reopened: int  # disagreements that could not reopen their case: a lead decides


@dataclass(frozen=True)
class Pipelines:
    webhooks_pending: Waiting
    webhooks_failed: int
    removals_still_up: int  # removal ordered, the platform still serves it, not restored
    ncmec_filings_pending: Waiting
    ncmec_filings_failed: int
    copy_searches_running: int
    account_sweeps_running: int
    lookback_searches_running: int


@dataclass
class Overview:
    at: datetime
    load: CaseLoad
    second_review: Waiting
    appeals_open: Waiting
    escalated: int
    held_upload_cases: Waiting  # open cases about uploads the platform holds for review
    quality_checks: Waiting  # sampled decisions waiting for their blind check
    flagged_accounts: int
    last_week: LastWeek
    pipelines: Pipelines
    problems: list[str] = field(default_factory=list)  # what needs someone now, in words


def overview(db_session: Session) -> Overview:
    now = clock.now()
    open_statuses = [s.value for s in REVIEW_STATUSES]
    load = case_load(db_session)
    week = gather(db_session=db_session, start=now - WEEK, end=now, sections=(decisions, removals))
    summary = dict(week.summary())
    quality = agreement(db_session, since=now - WEEK)
    result = Overview(
        at=now,
        load=load,
        second_review=_waiting(
            db_session, Case.created_at, Case.status == CaseStatus.SECOND_REVIEW.value
        ),
        appeals_open=_waiting(
            db_session, Appeal.created_at, Appeal.status == AppealStatus.OPEN.value
        ),
        escalated=_count(
            db_session, Case.id, Case.status.in_(open_statuses), Case.escalation_level > 0
        ),
        held_upload_cases=_waiting(
            db_session,
            Report.received_at,
            Report.channel.in_(HELD_CHANNELS),
            Report.case_id.in_(select(Case.id).where(Case.status.in_(open_statuses))),
            distinct=Report.case_id,
        ),
        quality_checks=_waiting(
            db_session, QualityCheck.sampled_at, QualityCheck.status == CheckStatus.WAITING.value
        ),
        flagged_accounts=flagged_count(db_session=db_session),
        last_week=LastWeek(
            actioned=int(str(summary["cases_actioned"])),
            no_action=int(str(summary["cases_no_action"])),
            median_hours_to_action=week.percentile_hours(50),
            p90_hours_to_action=week.percentile_hours(90),
            deadline_breaches=sum(week.deadline_breaches.values()),
            removals_verified_down=len(week.minutes_to_verified_down),
            removals_seen_still_up=week.removals_seen_still_up,
            quality=quality.overall,
            quality_not_reopened=sum(1 for c in quality.disagreements if c.appeal_id is None),
        ),
        pipelines=Pipelines(
            webhooks_pending=_waiting(
                db_session, OutboxEvent.created_at, OutboxEvent.status == OutboxStatus.PENDING
            ),
            webhooks_failed=_count(
                db_session, OutboxEvent.id, OutboxEvent.status == OutboxStatus.FAILED
            ),
            removals_still_up=still_up_count(db_session),
            ncmec_filings_pending=_waiting(
                db_session,
                NcmecFiling.created_at,
                NcmecFiling.state.in_([FilingState.PENDING.value, FilingState.SENT.value]),
            ),
            ncmec_filings_failed=_count(
                db_session, NcmecFiling.id, NcmecFiling.state == FilingState.FAILED.value
            ),
            copy_searches_running=_count(
                db_session, CopySearch.id, CopySearch.status == CopySearchStatus.PENDING
            ),
            account_sweeps_running=_count(
                db_session, AccountSweep.id, AccountSweep.status == SweepStatus.PENDING
            ),
            lookback_searches_running=_count(
                db_session, LookbackSearch.id, LookbackSearch.status == LookbackStatus.RUNNING
            ),
        ),
    )
    result.problems = _problems(result)
    return result


def _problems(found: Overview) -> list[str]:
    problems = []
    overdue = sum(p.overdue for p in found.load.by_priority.values())
    if overdue:
        problems.append(f"{overdue} open {_cases(overdue)} past the deadline")
    if found.pipelines.webhooks_failed:
        n = found.pipelines.webhooks_failed
        problems.append(f"{n} platform {'event' if n == 1 else 'events'} failed to deliver")
    if found.pipelines.removals_still_up:
        n = found.pipelines.removals_still_up
        problems.append(f"{n} removed {'item is' if n == 1 else 'items are'} still up")
    if found.pipelines.ncmec_filings_failed:
        n = found.pipelines.ncmec_filings_failed
        problems.append(f"{n} CyberTipline {'report' if n == 1 else 'reports'} failed to file")
    return problems


def _cases(n: int) -> str:
    return "case" if n == 1 else "cases"


def _count(db_session: Session, column: Any, *where: ColumnElement[bool]) -> int:
    return int(db_session.scalar(select(func.count(column)).where(*where)) or 0)


def _waiting(
    db_session: Session, since: Any, *where: ColumnElement[bool], distinct: Any = None
) -> Waiting:
    """How many rows match, and the oldest `since` among them."""
    counted = func.count(func.distinct(distinct)) if distinct is not None else func.count()
    count, oldest = db_session.execute(select(counted, func.min(since)).where(*where)).one()
    return Waiting(count=int(count or 0), oldest=oldest)
