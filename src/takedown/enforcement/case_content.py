"""What a case is about in the platform's terms: the content ids reported into it, and the scan
ledger's latest row for each."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.cases.models import Case
from takedown.scan.models import ContentItem


def reported_item(db_session: Session, case: Case) -> ContentItem | None:
    """The ledger row of the reported content, when the platform scanned it (latest scan)."""
    return ledger_item(db_session, case.content_id) if case.content_id else None


def ledger_item(db_session: Session, content_id: str) -> ContentItem | None:
    return db_session.scalar(
        select(ContentItem)
        .where(ContentItem.content_id == content_id)
        .order_by(ContentItem.scanned_at.desc(), ContentItem.id.desc())
        .limit(1)
    )


def reported_contents(db_session: Session, case: Case) -> list[tuple[str, str | None]]:
    """(content id, uploader if a report or the case says) of every item reported into the case:
    the case's own and those of reports that joined it by matching media, which can be other
    posts of the same material (never in the ledger if the platform did not scan them)."""
    from takedown.reports.models import Report

    found: dict[str, str | None] = {}
    if case.content_id:
        found[case.content_id] = case.account_id
    for content_id, account_id in db_session.execute(
        select(Report.content_id, Report.account_id)
        .where(Report.case_id == case.id, Report.content_id.is_not(None))
        .order_by(Report.received_at, Report.id)
    ):
        if content_id and not found.get(content_id):
            found[content_id] = account_id
    return list(found.items())
