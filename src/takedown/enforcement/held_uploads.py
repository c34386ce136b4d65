"""Uploads the platform holds, unpublished, until a reviewer decides: their scan answered
`review` because a `csam` or `ncii` review bank matched (or a reporter's fingerprint did), and
cases/blocked_uploads.py opened or joined a case for each.

A violating decision removes a held upload like any reported content. A closing "no violation"
releases it: a `content.restore` event with `held: true` tells the platform to publish it, so a
hold lasts only as long as its review. An upload stays held while another open case reports it,
or while any case has it down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.audit.service import record as audit
from takedown.cases.models import OPEN_STATUSES, Case
from takedown.enforcement.case_content import ledger_item, reported_contents
from takedown.enforcement.models import EventType, OutboxEvent
from takedown.enforcement.outbox import enqueue
from takedown.enforcement.removal import already_removed, taken_down
from takedown.scan.models import ContentItem, Verdict

ACTOR = "system:enforcement"


@dataclass(frozen=True)
class HeldUpload:
    content_id: str
    account_id: str | None
    scan_id: str
    held_since: datetime
    released_at: datetime | None


def is_held(item: ContentItem) -> bool:
    """The scan told the platform to hold it: verdict `review` on an upload not yet public."""
    return item.verdict == Verdict.REVIEW and not item.published


def held_uploads(db_session: Session, case: Case) -> list[HeldUpload]:
    """The case's uploads held at scan for its review, and when each was released (if it was)."""
    held = []
    for content_id, _ in reported_contents(db_session, case):
        item = ledger_item(db_session, content_id)
        if item is not None and is_held(item):
            held.append(
                HeldUpload(
                    content_id=content_id,
                    account_id=item.account_id,
                    scan_id=item.scan_id,
                    held_since=item.scanned_at,
                    released_at=_released_at(db_session, case.id, content_id),
                )
            )
    return held


def release_held_uploads(db_session: Session, case: Case) -> list[str]:
    """After a closing "no violation": tell the platform to publish the case's held uploads; the
    content ids released. Run after the case's own removals were restored."""
    released = []
    for upload in held_uploads(db_session, case):
        if (
            upload.released_at is not None
            or already_removed(db_session, case.id, upload.content_id)  # restored as a removal
            or taken_down(db_session, upload.content_id)  # down because of another case
            or _reported_in_another_open_case(db_session, case.id, upload.content_id)
        ):
            continue
        enqueue(
            db_session=db_session,
            event_type=EventType.CONTENT_RESTORE,
            case_id=case.id,
            subject=upload.content_id,
            data={
                "case_id": case.id,
                "content_id": upload.content_id,
                "account_id": upload.account_id,
                "held": True,
            },
        )
        audit(
            db_session=db_session,
            actor=ACTOR,
            action="content.released",
            subject=case.id,
            details={"content_id": upload.content_id, "scan_id": upload.scan_id},
        )
        released.append(upload.content_id)
    return released


def _released_at(db_session: Session, case_id: str, content_id: str) -> datetime | None:
    return db_session.scalar(
        select(OutboxEvent.created_at)
        .where(
            OutboxEvent.case_id == case_id,
            OutboxEvent.subject == content_id,
            OutboxEvent.event_type == EventType.CONTENT_RESTORE.value,
        )
        .order_by(OutboxEvent.created_at)
        .limit(1)
    )


def _reported_in_another_open_case(db_session: Session, case_id: str, content_id: str) -> bool:
    from takedown.reports.models import Report

    return (
        db_session.scalar(
            select(Report.id)
            .join(Case, Case.id == Report.case_id)
            .where(
                Report.content_id == content_id,
                Report.case_id != case_id,
                Case.status.in_([s.value for s in OPEN_STATUSES]),
            )
            .limit(1)
        )
        is not None
    )
