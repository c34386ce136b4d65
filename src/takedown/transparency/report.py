"""The transparency report: what was reported, decided and done in a period, as HTML and CSV.

Figures come straight from the database (reports, cases, decisions, appeals, enforcement, the scan
ledger, NCMEC filings), so the report can be regenerated for any period. Plots are drawn with
matplotlib's Agg backend (no display) and embedded in the HTML as PNG data URIs.
"""

from __future__ import annotations

import base64
import csv
import html
import io
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.cases.models import Appeal, AppealOutcome, Appellant, Case, CaseStatus, Outcome
from takedown.enforcement.models import CaseCopy, MatchKind
from takedown.reports.models import OWN_INITIATIVE, Channel, Report, ReportFingerprint
from takedown.review.models import Decision
from takedown.scan.models import ContentItem
from takedown.store.db import one_of
from takedown.transparency.models import StatementRecord


@dataclass
class TransparencyFigures:
    start: datetime
    end: datetime  # exclusive
    reports_by_category: Counter[str] = field(default_factory=Counter)
    reports_by_source: Counter[str] = field(default_factory=Counter)
    # Reports by fingerprint alone (reports/fingerprints.py) received, and withdrawn, in the period.
    reports_by_fingerprint_alone: int = 0
    fingerprint_reports_withdrawn: int = 0
    cases_by_category: Counter[str] = field(default_factory=Counter)
    cases_by_source: Counter[str] = field(default_factory=Counter)
    outcomes_by_category: dict[str, Counter[str]] = field(default_factory=dict)
    # The same decisions by where the case came from: how often each source (an account sweep,
    # a trusted flagger, ...) turns out violating.
    outcomes_by_source: dict[str, Counter[str]] = field(default_factory=dict)
    hours_to_action: list[tuple[str, str, float]] = field(default_factory=list)  # case, cat, h
    deadline_breaches: Counter[str] = field(default_factory=Counter)
    copies_removed: int = 0
    reported_items_removed: int = 0
    # Removal checks (enforcement/removal_checks.py) of items removed in the period.
    minutes_to_verified_down: list[float] = field(default_factory=list)
    removals_seen_still_up: int = 0
    uploads_blocked: int = 0
    uploads_scanned: int = 0
    ncmec_reports_filed: int = 0
    appeals: int = 0
    appeals_decided: int = 0
    reversals: int = 0
    statements_of_reasons: int = 0

    def percentile_hours(self, q: float) -> float | None:
        values = [h for _, _, h in self.hours_to_action]
        return float(np.percentile(values, q)) if values else None

    def summary(self) -> list[tuple[str, object]]:
        median, p90 = self.percentile_hours(50), self.percentile_hours(90)
        return [
            ("period_start", self.start.date().isoformat()),
            ("period_end", (self.end - timedelta(days=1)).date().isoformat()),
            ("reports", sum(self.reports_by_category.values())),
            ("reports_by_fingerprint_alone", self.reports_by_fingerprint_alone),
            ("fingerprint_reports_withdrawn", self.fingerprint_reports_withdrawn),
            ("cases_opened", sum(self.cases_by_category.values())),
            ("cases_actioned", sum(c["violating"] for c in self.outcomes_by_category.values())),
            ("cases_no_action", sum(c["no_violation"] for c in self.outcomes_by_category.values())),
            ("median_hours_report_to_action", _round(median)),
            ("p90_hours_report_to_action", _round(p90)),
            ("deadline_breaches", sum(self.deadline_breaches.values())),
            ("reported_items_removed", self.reported_items_removed),
            ("copies_removed", self.copies_removed),
            ("removals_verified_down", len(self.minutes_to_verified_down)),
            (
                "median_minutes_removal_order_to_verified_down",
                _round(
                    float(np.median(self.minutes_to_verified_down))
                    if self.minutes_to_verified_down
                    else None
                ),
            ),
            ("removals_seen_still_up_after_the_order", self.removals_seen_still_up),
            ("uploads_scanned", self.uploads_scanned),
            ("uploads_blocked", self.uploads_blocked),
            ("ncmec_reports_filed", self.ncmec_reports_filed),
            ("appeals", self.appeals),
            ("appeals_decided", self.appeals_decided),
            ("reversals", self.reversals),
            ("statements_of_reasons", self.statements_of_reasons),
        ]


def _round(value: float | None) -> float | str:
    return "" if value is None else round(value, 2)


def period(start: date, end: date) -> tuple[datetime, datetime]:
    """Whole days in UTC, `end` included."""
    return (
        datetime.combine(start, time.min, UTC),
        datetime.combine(end + timedelta(days=1), time.min, UTC),
    )


def notice_source(role: str | None, designated: bool, channel: str | None) -> str:
    """Who sent a notice, as counted: only designated trusted flaggers (their key holds the
    `trusted_flagger` scope) count as trusted flaggers (DSA Art 15(1)(b)); the claim alone is
    counted apart."""
    if channel == Channel.HASH_MATCH:
        return "own initiative (hash match)"  # Takedown's case for a blocked upload: no notice
    if channel == Channel.FOUND_AFTER_UPLOAD:
        return "own initiative (hash banked after upload)"
    if channel == Channel.BACK_CATALOGUE:
        return "own initiative (back-catalogue scan)"
    if channel == Channel.FINGERPRINT_MATCH:
        return "own initiative (upload matching a reporter's fingerprint)"
    if channel == Channel.HELD_AT_UPLOAD:
        return "own initiative (upload held at upload, matching a hash bank)"
    if channel == Channel.ACCOUNT_HOLD:
        return "own initiative (upload of an account with a recent violation, held)"
    if channel == Channel.ACCOUNT_SWEEP:
        return "own initiative (other upload of an account with confirmed material)"
    if channel == Channel.REVIEWER_REFERRAL:
        return "own initiative (a reviewer's referral to child-safety review)"
    if designated:
        return "trusted_flagger"
    if role == "trusted_flagger":
        return "claimed_trusted_flagger"
    return role or channel or "unknown"


Section = Callable[[Session, TransparencyFigures], None]


def gather(
    *, db_session: Session, start: datetime, end: datetime, sections: Sequence[Section] = ()
) -> TransparencyFigures:
    """The figures of the period [start, end): every section, or only `sections` (the overview
    asks for `decisions` and `removals`). Each reads its period through an index and looks up
    only the cases it found, so a period costs what happened in it, not the history before it."""
    figures = TransparencyFigures(start=start, end=end)
    for section in sections or SECTIONS:
        section(db_session, figures)
    return figures


def _within(figures: TransparencyFigures, column: Any) -> ColumnElement[bool]:
    return (column >= figures.start) & (column < figures.end)


def notices(db_session: Session, figures: TransparencyFigures) -> None:
    """Reports received in the period (notices only) and cases opened in it."""
    for category, role, designated, channel in db_session.execute(
        select(Report.category, Report.reporter_role, Report.trusted_flagger, Report.channel).where(
            _within(figures, Report.received_at),
            Report.channel.not_in(OWN_INITIATIVE),
        )
    ):
        figures.reports_by_category[category] += 1
        figures.reports_by_source[notice_source(role, designated, channel)] += 1
    by_fingerprint_alone = (
        Report.content_url.is_(None),
        Report.content_id.is_(None),
        Report.has_media.is_(False),
        exists().where(ReportFingerprint.report_id == Report.id),
    )
    figures.reports_by_fingerprint_alone = _count(
        db_session, _within(figures, Report.received_at), *by_fingerprint_alone
    )
    figures.fingerprint_reports_withdrawn = _count(
        db_session, _within(figures, Report.withdrawn_at), *by_fingerprint_alone
    )
    opened = list(
        db_session.execute(select(Case.id, Case.category).where(_within(figures, Case.created_at)))
    )
    first = _first_reports(db_session, [case_id for case_id, _ in opened])
    for case_id, category in opened:
        figures.cases_by_category[category] += 1
        figures.cases_by_source[_source(first.get(case_id))] += 1


def decisions(db_session: Session, figures: TransparencyFigures) -> None:
    """Cases first decided in the period: outcomes, hours from report to action, deadlines
    breached; and open cases whose deadline passed in it."""
    start, end = figures.start, figures.end
    # A case's outcome is its first final decision (an appeal that later reverses it is counted
    # under appeals and reversals, not by rewriting the outcome).
    decided_in_period = set(
        db_session.scalars(
            select(Decision.case_id).where(
                *FIRST_DECISION, Decision.decided_at >= start, Decision.decided_at < end
            )
        )
    )
    # case -> (outcome, decided at, the deadline then: None before it was recorded)
    first_decision: dict[str, tuple[str, datetime, datetime | None]] = {}
    for batch in one_of(db_session, Decision.case_id, sorted(decided_in_period)):
        for case_id, outcome, decided_at, deadline_at, final, appeal_id in db_session.execute(
            select(
                Decision.case_id,
                Decision.outcome,
                Decision.decided_at,
                Decision.deadline_at,
                Decision.final,
                Decision.appeal_id,
            ).where(batch, Decision.decided_at < end)  # the case's own index, not the period's
        ):
            earlier = first_decision.get(case_id)
            if final and appeal_id is None and (earlier is None or decided_at < earlier[1]):
                first_decision[case_id] = (outcome, decided_at, deadline_at)
    decided_ids = sorted(c for c, (_, at, _) in first_decision.items() if start <= at)
    first = _first_reports(db_session, decided_ids)
    for batch in one_of(db_session, Case.id, decided_ids):
        for case in db_session.scalars(select(Case).where(batch)):
            outcome, decided_at, deadline_then = first_decision[case.id]
            figures.outcomes_by_category.setdefault(case.category, Counter())[outcome] += 1
            found = first.get(case.id)
            figures.outcomes_by_source.setdefault(_source(found), Counter())[outcome] += 1
            if outcome == Outcome.VIOLATING and found is not None:
                # A case watching for a reporter's fingerprints had nothing to act on until found.
                since = (
                    max(found.received_at, case.found_at) if case.found_at else found.received_at
                )
                hours = (decided_at - since).total_seconds() / 3600
                figures.hours_to_action.append((case.id, case.category, max(hours, 0.0)))
            # The deadline the decision was made against: an appeal since moved the case's.
            if decided_at > (deadline_then or case.deadline_at):
                figures.deadline_breaches[case.category] += 1
    # Still open at the end of the period and already past the deadline: breached too. A period
    # not over yet counts only the deadlines already past, not those still to come in it.
    for category, count in db_session.execute(
        select(Case.category, func.count())
        .where(
            Case.deadline_at < min(end, clock.now()),
            Case.deadline_at >= start,
            # Undecided at the end: no first final decision by then. Not `Case.decided_at`, which
            # an appeal decided later moves, so a case decided in time would turn late.
            ~exists().where(
                Decision.case_id == Case.id, *FIRST_DECISION, Decision.decided_at < end
            ),
            # Decided no action, or merged: its reports' clock runs on in the case they joined.
            # Watching: no deadline runs until an upload matches; withdrawn while watching, so
            # none ever ran.
            Case.status.not_in(
                [
                    CaseStatus.NO_ACTION.value,
                    CaseStatus.MERGED.value,
                    CaseStatus.WATCHING.value,
                    CaseStatus.WITHDRAWN.value,
                ]
            ),
        )
        .group_by(Case.category)
    ):
        figures.deadline_breaches[category] += count


def removals(db_session: Session, figures: TransparencyFigures) -> None:
    """Items removed in the period, and what the removal checks found of them."""
    for kind, removed_at, verified_at, still_up_checks in db_session.execute(
        select(
            CaseCopy.match_kind,
            CaseCopy.removed_at,
            CaseCopy.removal_verified_at,
            CaseCopy.still_up_checks,
        ).where(_within(figures, CaseCopy.removed_at))
    ):
        if kind == MatchKind.REPORTED:
            figures.reported_items_removed += 1
        else:
            figures.copies_removed += 1
        if verified_at is not None:
            figures.minutes_to_verified_down.append((verified_at - removed_at).total_seconds() / 60)
        if still_up_checks:
            figures.removals_seen_still_up += 1


def uploads(db_session: Session, figures: TransparencyFigures) -> None:
    """Uploads scanned in the period, and how many were blocked."""
    scanned = _within(figures, ContentItem.scanned_at)
    figures.uploads_scanned = _count(db_session, scanned)
    figures.uploads_blocked = _count(db_session, scanned, ContentItem.verdict == "block")


def filings(db_session: Session, figures: TransparencyFigures) -> None:
    """CyberTipline reports finished in the period."""
    from takedown.ncmec.models import FilingState, NcmecFiling

    figures.ncmec_reports_filed = _count(
        db_session,
        NcmecFiling.state == FilingState.FINISHED.value,
        _within(figures, NcmecFiling.finished_at),
    )


def appeals(db_session: Session, figures: TransparencyFigures) -> None:
    """Complaints (DSA Art 20) made and decided in the period, and statements of reasons."""
    # Complaints only: a quality check that reopened a case is staff's own.
    complaint = Appeal.appellant != Appellant.QUALITY_REVIEW
    figures.appeals = _count(db_session, _within(figures, Appeal.created_at), complaint)
    for appeal_outcome, count in db_session.execute(
        select(Appeal.outcome, func.count())
        .where(_within(figures, Appeal.decided_at), complaint)
        .group_by(Appeal.outcome)
    ):
        figures.appeals_decided += count
        if appeal_outcome == AppealOutcome.OVERTURNED:
            figures.reversals += count
    figures.statements_of_reasons = _count(db_session, _within(figures, StatementRecord.created_at))


SECTIONS: tuple[Section, ...] = (notices, decisions, removals, uploads, filings, appeals)
# The final decision that sets a case's outcome: not one deciding an appeal.
FIRST_DECISION = (Decision.final.is_(True), Decision.appeal_id.is_(None))


@dataclass(frozen=True)
class FirstReport:
    received_at: datetime
    role: str | None
    designated: bool
    channel: str | None


def _first_reports(db_session: Session, case_ids: Sequence[str]) -> dict[str, FirstReport]:
    """Each case's first report, read through the reports' case index."""
    first: dict[str, FirstReport] = {}
    for batch in one_of(db_session, Report.case_id, sorted(case_ids)):
        for case_id, received_at, role, designated, channel in db_session.execute(
            select(
                Report.case_id,
                Report.received_at,
                Report.reporter_role,
                Report.trusted_flagger,
                Report.channel,
            ).where(batch)
        ):
            earlier = first.get(case_id)
            if earlier is None or received_at < earlier.received_at:
                first[case_id] = FirstReport(received_at, role, designated, channel)
    return first


def _source(first: FirstReport | None) -> str:
    if first is None:
        return "own initiative"
    return notice_source(first.role, first.designated, first.channel)


def _count(db_session: Session, *where: ColumnElement[bool]) -> int:
    return int(db_session.scalar(select(func.count()).where(*where)) or 0)


# --- output ------------------------------------------------------------------------------------


def _png(fig) -> str:  # type: ignore[no-untyped-def]
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def _bar(title: str, counts: dict[str, int]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2))
    labels = list(counts) or ["(none)"]
    values = [counts[k] for k in counts] or [0]
    ax.barh([label.replace("_", " ") for label in labels], values, color="#3c6e91")
    ax.set_title(title)
    ax.set_xlabel("count")
    ax.invert_yaxis()
    return _png(fig)


def _histogram(title: str, hours: list[float]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2))
    if hours:
        ax.hist(hours, bins=min(20, max(len(hours), 1)), color="#3c6e91")
        for q, style in ((50, "--"), (90, ":")):
            ax.axvline(
                float(np.percentile(hours, q)), color="black", linestyle=style, label=f"p{q}"
            )
        ax.legend()
    ax.set_title(title)
    ax.set_xlabel("hours from first report to action")
    ax.set_ylabel("cases")
    return _png(fig)


def _table(title: str, rows: Sequence[tuple[object, ...]], header: tuple[str, ...]) -> str:
    head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    caption = f"<caption>{html.escape(title)}</caption>"
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def write(figures: TransparencyFigures, output: Path, *, platform: str) -> list[Path]:
    """Write report.html and the CSV files into `output`; returns the files written."""
    output.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def csv_file(name: str, header: tuple[str, ...], rows: Sequence[tuple[object, ...]]) -> None:
        path = output / name
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        written.append(path)

    summary = figures.summary()
    csv_file("summary.csv", ("metric", "value"), summary)
    csv_file(
        "reports_by_category.csv",
        ("category", "reports"),
        sorted(figures.reports_by_category.items()),
    )
    csv_file(
        "reports_by_source.csv", ("source", "reports"), sorted(figures.reports_by_source.items())
    )
    csv_file(
        "cases_by_category.csv", ("category", "cases"), sorted(figures.cases_by_category.items())
    )
    csv_file("cases_by_source.csv", ("source", "cases"), sorted(figures.cases_by_source.items()))
    outcome_rows = [
        (category, outcome, count)
        for category, counts in sorted(figures.outcomes_by_category.items())
        for outcome, count in sorted(counts.items())
    ]
    csv_file("outcomes.csv", ("category", "outcome", "cases"), outcome_rows)
    source_outcome_rows = [
        (source, outcome, count)
        for source, counts in sorted(figures.outcomes_by_source.items())
        for outcome, count in sorted(counts.items())
    ]
    csv_file("outcomes_by_source.csv", ("source", "outcome", "cases"), source_outcome_rows)
    # For publication: no case ids (a case id is a ULID, its report's time to the millisecond,
    # so a reporter or a platform could find a case in it), and sorted, not in case order.
    csv_file(
        "time_to_action.csv",
        ("category", "hours"),
        sorted((cat, round(h, 3)) for _, cat, h in figures.hours_to_action),
    )
    csv_file(
        "deadline_breaches.csv", ("category", "cases"), sorted(figures.deadline_breaches.items())
    )

    plots = [
        ("Reports by category", _bar("Reports by category", dict(figures.reports_by_category))),
        ("Reports by source", _bar("Reports by source", dict(figures.reports_by_source))),
        (
            "Outcomes",
            _bar(
                "Decided cases by outcome",
                dict(
                    Counter(o for c in figures.outcomes_by_category.values() for o in c.elements())
                ),
            ),
        ),
        (
            "Time to action",
            _histogram(
                "Time from first report to action", [h for _, _, h in figures.hours_to_action]
            ),
        ),
    ]
    start, end = summary[0][1], summary[1][1]
    sections = [
        _table("Summary", summary, ("metric", "value")),
        _table(
            "Reports by category",
            sorted(figures.reports_by_category.items()),
            ("category", "reports"),
        ),
        _table(
            "Reports by source", sorted(figures.reports_by_source.items()), ("source", "reports")
        ),
        _table(
            "Cases by category", sorted(figures.cases_by_category.items()), ("category", "cases")
        ),
        _table("Cases by source", sorted(figures.cases_by_source.items()), ("source", "cases")),
        _table("Outcomes", outcome_rows, ("category", "outcome", "cases")),
        _table("Outcomes by source", source_outcome_rows, ("source", "outcome", "cases")),
        _table(
            "Deadline breaches", sorted(figures.deadline_breaches.items()), ("category", "cases")
        ),
    ]
    images = "".join(
        f'<figure><img alt="{html.escape(title)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{html.escape(title)}</figcaption></figure>"
        for title, data in plots
    )
    document = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Transparency report {start} to {end}: {html.escape(platform)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse;margin:1rem 0}}td,th{{border:1px solid #bbb;padding:.25rem .5rem}}
caption{{font-weight:bold;text-align:left}}img{{max-width:100%}}</style></head>
<body><h1>Transparency report: {html.escape(platform)}</h1>
<p>Period {start} to {end} (UTC, both days included). Generated by Takedown. Time to action runs
from a case's first report to the decision that acted on it. Copies removed are earlier uploads
found by hash matching after a reviewer confirmed the reported item.</p>
{"".join(sections)}
<h2>Plots</h2>{images}
</body></html>
"""
    path = output / "report.html"
    path.write_text(document)
    written.append(path)
    return written
