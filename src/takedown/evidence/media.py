"""Delete case media from working storage once a case is closed.

Media worth keeping is in the vault, encrypted; nothing else stays on disk after the decision.
Two exceptions keep a file a little longer: another open case uses the same (content-addressed)
file, or the case's CyberTipline report is not finished yet (the filing job uploads the file).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record as audit
from takedown.cases.models import CLOSED_STATUSES, Case, CaseMedia
from takedown.evidence.models import MediaCleanup
from takedown.settings import Settings

BATCH = 100


def _ncmec_pending(db_session: Session, case_id: str) -> bool:
    try:
        from takedown.ncmec.models import FilingState, NcmecFiling
    except ImportError:
        return False
    state = db_session.scalar(
        select(NcmecFiling.state)
        .where(NcmecFiling.case_id == case_id)
        .order_by(NcmecFiling.created_at.desc())
        .limit(1)
    )
    return state is not None and state != FilingState.FINISHED.value


def delete_closed_case_media(*, db_session: Session, settings: Settings) -> int:
    """One pass; returns the number of files deleted."""
    closed = [status.value for status in CLOSED_STATUSES]
    cleaned = select(MediaCleanup.case_id)
    cases = db_session.scalars(
        select(Case)
        .where(Case.status.in_(closed), Case.closed_at.is_not(None), Case.id.not_in(cleaned))
        .order_by(Case.closed_at)
        .limit(BATCH)
    ).all()
    deleted_total = 0
    for case in cases:
        if _ncmec_pending(db_session, case.id):
            continue
        deleted = 0
        for media in db_session.scalars(select(CaseMedia).where(CaseMedia.case_id == case.id)):
            still_needed = db_session.scalar(
                select(CaseMedia.id)
                .join(Case, Case.id == CaseMedia.case_id)
                .where(
                    CaseMedia.storage_path == media.storage_path,
                    CaseMedia.case_id != case.id,
                    Case.status.not_in(closed),
                )
                .limit(1)
            )
            path = Path(settings.media_dir) / media.storage_path
            if still_needed is None and path.is_file():
                path.unlink()
                deleted += 1
        db_session.add(MediaCleanup(case_id=case.id, cleaned_at=clock.now(), files_deleted=deleted))
        audit(
            db_session=db_session,
            actor="system:evidence",
            action="media.deleted",
            subject=case.id,
            details={"files": deleted, "status": case.status},
        )
        deleted_total += deleted
    return deleted_total
