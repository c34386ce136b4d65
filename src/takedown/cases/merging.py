"""Merge a case into another open case about the same content, found once its media is known.

Intake merges a report into an open case by content id, URL or the media the reporter attached.
A report that names only a post gets its media later, from the platform (cases/fetching.py); if
that media is the same as, or near, an open case's media, the two cases are about the same
content and become one: the reports, the media and the clock of the earlier deadline go to one
case, which is re-prioritised with every report; the other is closed as `merged`, pointing at it.

Only an undecided case nobody has claimed (status open) is merged away; the case that got the
media is merged into the one found where it can be, else the other way round; two cases both in
review stay apart.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record
from takedown.cases.media import find_case_by_media
from takedown.cases.models import (
    OPEN_STATUSES,
    Case,
    CaseMedia,
    CaseMediaSignal,
    CaseNote,
    CaseStatus,
    OpenCasePdqKey,
)
from takedown.cases.service import (
    apply_priority,
    case_priority,
    locked_case,
    more_severe_category,
    reset_timers,
    set_status,
)
from takedown.reports.models import Report, ReportAddition, ReportFingerprint
from takedown.settings import Settings


def merge_with_matching_case(
    *, db_session: Session, settings: Settings, case_id: str, signals: list[dict[str, Any]]
) -> str | None:
    """If an open case other than `case_id` has media matching `signals`, merge one of the two
    into the other; returns the id of the case that remains, or None when nothing merged."""
    found = find_case_by_media(
        db_session=db_session, settings=settings, signals=signals, other_than=case_id
    )
    if found is None:
        return None
    cases = _locked(db_session, sorted({case_id, found.id}))
    this, other = cases[case_id], cases[found.id]
    if this.status not in OPEN_STATUSES or other.status not in OPEN_STATUSES:
        return None  # one of them was decided or merged meanwhile
    if this.status == CaseStatus.OPEN:
        source, target = this, other
    elif other.status == CaseStatus.OPEN:
        source, target = other, this
    else:
        return None
    merge(db_session=db_session, settings=settings, source=source, target=target)
    return target.id


def merge(*, db_session: Session, settings: Settings, source: Case, target: Case) -> None:
    """Move `source`'s reports (with what their reporters added and their fingerprints), media
    and staff notes to `target` and close `source` as merged."""
    now = clock.now()
    moved = sorted(db_session.scalars(select(Report.id).where(Report.case_id == source.id)))
    tables = (Report, ReportAddition, ReportFingerprint, CaseMedia, CaseMediaSignal, CaseNote)
    for table in (*tables, OpenCasePdqKey):
        db_session.execute(
            update(table)
            .where(table.case_id == source.id)
            .values(case_id=target.id)
            .execution_options(synchronize_session=False)
        )
    target.report_count += source.report_count
    target.category = more_severe_category(target.category, source.category)
    target.is_child_safety = target.is_child_safety or source.is_child_safety
    target.ranked_lower = target.ranked_lower and source.ranked_lower
    target.bank_match = target.bank_match or source.bank_match
    target.account_id = target.account_id or source.account_id
    if target.content_id is None and target.content_url is None:  # where it is, as it was given
        target.location_unverified = source.location_unverified
    target.content_id = target.content_id or source.content_id
    if target.content_url is None:
        target.content_url, target.content_url_key = source.content_url, source.content_url_key
    target.deadline_is_legal = target.deadline_is_legal or source.deadline_is_legal
    if source.deadline_at < target.deadline_at:  # no reporter's clock is extended
        reset_timers(target, start=source.deadline_started_at, deadline_at=source.deadline_at)
    db_session.flush()
    apply_priority(
        settings=settings,
        case=target,
        priority=case_priority(db_session=db_session, settings=settings, case=target),
        start=now,
        legal_ncii=False,
    )
    target.updated_at = now
    source.merged_into = target.id
    source.report_count = 0
    set_status(
        db_session=db_session,
        case=source,
        status=CaseStatus.MERGED,
        actor="system",
        details={"merged_into": target.id},
    )
    record(
        db_session=db_session,
        actor="system",
        action="case.merged",
        subject=target.id,
        details={
            "merged": source.id,
            "reports": moved,
            "priority": target.priority,
            "deadline_at": target.deadline_at.isoformat(),
        },
    )


def _locked(db_session: Session, case_ids: list[str]) -> dict[str, Case]:
    """Both cases, write-locked in id order (so two merges of the same pair cannot deadlock) and
    read fresh after the lock."""
    return {case_id: locked_case(db_session=db_session, case_id=case_id) for case_id in case_ids}
