"""How long the content ledger keeps allowed scans (`TAKEDOWN_LEDGER_RETENTION_DAYS`).

Every upload's scan is kept so that a later decision can find every copy (enforcement/copies.py).
An allowed scan also ties an account to what it posted, so a platform may bound how long that is
kept: past the retention period, allowed scans with no match and no enforcement are deleted, in
batches, with their signal rows. Blocked and review scans, scans with match events and scans a
case enforced against are kept: they are the record of what was found. 0 (the default) keeps
everything, which is what lets a decision today reach a copy uploaded years ago.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, exists, select

from takedown import clock
from takedown.audit.service import record
from takedown.enforcement.models import CaseCopy
from takedown.jobs.runner import PeriodicJob
from takedown.scan import metrics
from takedown.scan.models import ContentItem, ContentSignal, MatchEvent, Verdict
from takedown.settings import Settings
from takedown.store.db import erase_from_files, session_scope

BATCH = 5_000


def purge_expired(settings: Settings) -> int:
    """Delete allowed scans older than the retention period; how many were deleted."""
    if settings.ledger_retention_days <= 0:
        return 0
    cutoff = clock.now() - timedelta(days=settings.ledger_retention_days)
    purged = 0
    while True:
        with session_scope(settings.resolved_database_url) as db_session:
            ids = list(
                db_session.scalars(
                    select(ContentItem.id)
                    .where(
                        ContentItem.scanned_at < cutoff,
                        ContentItem.verdict == Verdict.ALLOW.value,
                        ~exists().where(MatchEvent.content_item_id == ContentItem.id),
                        ~exists().where(CaseCopy.content_item_id == ContentItem.id),
                    )
                    .order_by(ContentItem.id)
                    .limit(BATCH)
                )
            )
            if not ids:
                break
            db_session.execute(delete(ContentSignal).where(ContentSignal.content_item_id.in_(ids)))
            db_session.execute(delete(ContentItem).where(ContentItem.id.in_(ids)))
            record(
                db_session=db_session,
                actor="system",
                action="ledger.purged",
                subject="content_ledger",
                details={
                    "scans": len(ids),
                    "first_id": ids[0],
                    "last_id": ids[-1],
                    "scanned_before": cutoff.isoformat(),
                    "retention_days": settings.ledger_retention_days,
                },
            )
        metrics.LEDGER_PURGED.inc(len(ids))
        purged += len(ids)
    if purged:
        erase_from_files(settings.resolved_database_url)
    return purged


def retention_job() -> PeriodicJob:
    return PeriodicJob("ledger-retention", purge_expired, 3600.0)
