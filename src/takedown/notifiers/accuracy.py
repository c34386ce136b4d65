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

from sqlalchemy import ColumnElement, Select, select
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


@dataclass(frozen=True)
class _Standing:
    outcome: str  # the outcome standing now: the last final decision's
    first_decided_at: datetime  # the first final decision, appeals aside


def tallies(db_session: Session, *, since: datetime) -> list[NotifierTally]:
    """Every designated trusted flagger's key (reports or not), every other key that sent a
    report since `since`, and the reports sent without a key. Trusted flaggers first, then by
    share found violating, lowest first."""
    notices = _notices(since)
    rows = db_session.execute(notices.add_columns(Report.api_key_id, Report.received_at)).all()
    standing = _standing(db_session, notices)
    keys = {
        key.id: key for key in db_session.scalars(select(ApiKey).where(ApiKey.user_id.is_(None)))
    }
    found: dict[str, NotifierTally] = {
        key.id: _empty(key) for key in keys.values() if Scope.TRUSTED_FLAGGER in key.scopes
    }
    for case_id, key_id, received_at in rows:
        notifier = key_id if key_id in keys else PUBLIC
        if notifier not in found:
            found[notifier] = _empty(keys[notifier]) if notifier in keys else _public()
        _count(found[notifier], standing.get(case_id), received_at)
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
    first."""
    notices = _notices(
        since,
        Report.api_key_id.is_(None) if notifier == PUBLIC else Report.api_key_id == notifier,
    )
    reports = db_session.execute(
        notices.add_columns(Report.id, Report.category, Report.received_at).order_by(
            Report.received_at.desc()
        )
    ).all()
    standing = _standing(db_session, notices)
    return [
        NotFoundViolating(report_id, case_id, category, received_at, now.first_decided_at)
        for case_id, report_id, category, received_at in reports
        if (now := standing.get(case_id)) is not None and now.outcome == Outcome.NO_VIOLATION
    ]


def _notices(since: datetime, *conditions: ColumnElement[bool]) -> Select[Any]:
    """The cases of reports from outside since `since` (Takedown's own findings are not
    notices), as a subquery's select."""
    return select(Report.case_id).where(
        Report.received_at >= since, Report.channel.not_in(OWN_INITIATIVE), *conditions
    )


def _standing(db_session: Session, case_ids: Select[Any]) -> dict[str, _Standing]:
    """The standing outcome of each case `case_ids` selects that has a final decision."""
    standing: dict[str, _Standing] = {}
    for case_id, outcome, decided_at in db_session.execute(
        select(Decision.case_id, Decision.outcome, Decision.decided_at)
        .where(Decision.final.is_(True), Decision.case_id.in_(case_ids))
        .order_by(Decision.decided_at)
    ):
        earlier = standing.get(case_id)
        standing[case_id] = _Standing(outcome, earlier.first_decided_at if earlier else decided_at)
    return standing


def _count(tally: NotifierTally, now: _Standing | None, received_at: datetime) -> None:
    tally.reports += 1
    if now is None:
        tally.undecided += 1
        return
    if now.outcome == Outcome.VIOLATING:
        tally.violating += 1
    else:
        tally.no_violation += 1
    hours = (now.first_decided_at - received_at).total_seconds() / 3600
    tally.hours_to_decision.append(max(hours, 0.0))


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
