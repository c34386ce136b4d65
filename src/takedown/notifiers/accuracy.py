"""How often each notifier's reports turn out violating: per API key (a platform's integration,
a designated trusted flagger) and for reports sent without a key (the public form, or the API
without one).

A platform must handle a designated trusted flagger's notices first (DSA Art 22(1)), and tell its
Digital Services Coordinator when one sends a significant number of imprecise, inaccurate or
unsubstantiated notices (Art 22(6)). This is the evidence for both: each report counts by the
outcome standing on its case now (after any appeal), and the reports found not to violate are
listed with their cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from statistics import median
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, func, select
from sqlalchemy.orm import Session

from takedown.auth.models import ApiKey, Scope
from takedown.cases.models import Outcome
from takedown.reports.models import OWN_INITIATIVE, Report
from takedown.review.models import Decision

PUBLIC = "public"  # the row of reports sent without a key


@dataclass
class NotifierTally:
    notifier: str  # an API key's id, or PUBLIC
    name: str
    trusted_flagger: bool
    revoked: bool
    reports: int = 0
    violating: int = 0
    no_violation: int = 0
    undecided: int = 0  # still open, or closed without a decision (withdrawn)
    hours_to_decision: list[float] = field(default_factory=list)

    @property
    def decided(self) -> int:
        return self.violating + self.no_violation

    @property
    def violating_share(self) -> float | None:
        return self.violating / self.decided if self.decided else None

    @property
    def median_hours_to_decision(self) -> float | None:
        return median(self.hours_to_decision) if self.hours_to_decision else None


@dataclass(frozen=True)
class NotFoundViolating:
    """A report whose case stands decided `no_violation`."""

    report_id: str
    case_id: str
    category: str
    received_at: datetime
    decided_at: datetime


LISTED_AT_MOST = 500  # reports found not violating, newest first


def tallies(db_session: Session, *, since: datetime) -> list[NotifierTally]:
    """Every designated trusted flagger's key (reports or not), every other key that sent a
    report since `since`, and the reports sent without a key. Trusted flaggers first, then by
    share found violating, lowest first. Rows are read in batches: a period of a million
    reports needs the counts and one float per decided report, not the reports."""
    outcome, first_decided_at = _standing()
    rows = db_session.execute(
        select(Report.api_key_id, Report.received_at, outcome, first_decided_at)
        .where(*_notice(since))
        .execution_options(yield_per=5000)
    )
    keys = {
        key.id: key for key in db_session.scalars(select(ApiKey).where(ApiKey.user_id.is_(None)))
    }
    found: dict[str, NotifierTally] = {
        key.id: _empty(key) for key in keys.values() if Scope.TRUSTED_FLAGGER in key.scopes
    }
    for key_id, received_at, outcome, first_decided_at in rows:
        notifier = key_id if key_id in keys else PUBLIC
        if notifier not in found:
            found[notifier] = _empty(keys[notifier]) if notifier in keys else _public()
        _count(found[notifier], outcome, received_at, first_decided_at)
    return sorted(
        found.values(),
        key=lambda t: (not t.trusted_flagger, t.violating_share is None, t.violating_share or 0),
    )


def tally_of(db_session: Session, notifier: str, *, since: datetime) -> NotifierTally | None:
    return next((t for t in tallies(db_session, since=since) if t.notifier == notifier), None)


def not_found_violating(
    db_session: Session, notifier: str, *, since: datetime
) -> list[NotFoundViolating]:
    """The notifier's reports since `since` whose case stands decided `no_violation`, newest
    first (at most LISTED_AT_MOST)."""
    from_notifier = (
        Report.api_key_id.is_(None) if notifier == PUBLIC else Report.api_key_id == notifier
    )
    outcome, first_decided_at = _standing()
    rows = db_session.execute(
        select(Report.id, Report.case_id, Report.category, Report.received_at, first_decided_at)
        .where(*_notice(since, from_notifier), outcome == Outcome.NO_VIOLATION.value)
        .order_by(Report.received_at.desc())
        .limit(LISTED_AT_MOST)
    )
    return [NotFoundViolating(*row) for row in rows]


def _notice(since: datetime, *conditions: ColumnElement[bool]) -> list[ColumnElement[bool]]:
    """Reports from outside since `since` (Takedown's own findings are not notices)."""
    return [Report.received_at >= since, Report.channel.not_in(OWN_INITIATIVE), *conditions]


def _standing() -> tuple[ScalarSelect[Any], ScalarSelect[Any]]:
    """For the (outer query's) report's case: the outcome standing now (the last final
    decision's, appeals included) and when its first final decision was made; NULL while
    undecided. Correlated lookups on the decisions' (case, time) index: a join to a derived
    table of every case's decisions made SQLite compare each report with each case."""
    final = (Decision.case_id == Report.case_id, Decision.final.is_(True))
    outcome = (
        select(Decision.outcome)
        .where(*final)
        .order_by(Decision.decided_at.desc(), Decision.id.desc())
        .limit(1)
        .correlate(Report)
        .scalar_subquery()
    )
    first_decided_at = (
        select(func.min(Decision.decided_at)).where(*final).correlate(Report).scalar_subquery()
    )
    return outcome, first_decided_at


def _count(
    tally: NotifierTally, outcome: str | None, received_at: datetime, decided_at: datetime | None
) -> None:
    tally.reports += 1
    if outcome is None or decided_at is None:
        tally.undecided += 1
        return
    if outcome == Outcome.VIOLATING:
        tally.violating += 1
    else:
        tally.no_violation += 1
    tally.hours_to_decision.append(max((decided_at - received_at).total_seconds() / 3600, 0.0))


def _empty(key: ApiKey) -> NotifierTally:
    return NotifierTally(
        notifier=key.id,
        name=key.name,
        trusted_flagger=Scope.TRUSTED_FLAGGER in key.scopes,
        revoked=key.revoked_at is not None,
    )


def _public() -> NotifierTally:
    return NotifierTally(
        notifier=PUBLIC, name="Sent without a key", trusted_flagger=False, revoked=False
    )
