"""Delete case media from working storage once a case is closed.

Media worth keeping is in the vault, encrypted; nothing else stays on disk after the decision.
Two exceptions keep a file a little longer: another open case uses the same (content-addressed)
file, or the case's CyberTipline report is not finished yet (the filing job uploads the file).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record as audit
from takedown.cases.media import stored_files
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


def _needed_elsewhere(db_session: Session, media: CaseMedia, case_id: str) -> bool:
    """Another case holds the same (content-addressed) file and is open, or closed with its
    CyberTipline report not finished (that filing uploads the file)."""
    others = db_session.execute(
        select(Case.id, Case.status)
        .join(CaseMedia, CaseMedia.case_id == Case.id)
        .where(
            CaseMedia.sha256 == media.sha256,  # indexed; the same file has the same path
            CaseMedia.storage_path == media.storage_path,
            CaseMedia.case_id != case_id,
        )
    ).all()
    return any(
        status not in CLOSED_STATUSES or _ncmec_pending(db_session, other_id)
        for other_id, status in others
    )


def schedule_cleanup(db_session: Session, case_id: str) -> None:
    """The case closed: its working copies are due for deletion (again, if it was reopened)."""
    cleanup = db_session.get(MediaCleanup, case_id)
    if cleanup is None:
        db_session.add(MediaCleanup(case_id=case_id, due_at=clock.now(), files_deleted=0))
    else:
        cleanup.due_at, cleanup.cleaned_at = clock.now(), None


def delete_closed_case_media(*, db_session: Session, settings: Settings) -> int:
    """One pass over the due cleanups; returns the number of files deleted."""
    now = clock.now()
    due = db_session.scalars(
        select(MediaCleanup)
        .where(MediaCleanup.due_at <= now)
        .order_by(MediaCleanup.due_at)
        .limit(BATCH)
    ).all()
    deleted_total = 0
    for cleanup in due:
        case = db_session.get(Case, cleanup.case_id)
        if case is None or case.status not in CLOSED_STATUSES:
            cleanup.due_at = None  # reopened: due again when it closes
            continue
        if _ncmec_pending(db_session, case.id):
            cleanup.due_at = now  # behind the others until the filing has uploaded it
            continue
        deleted = 0
        for media in db_session.scalars(select(CaseMedia).where(CaseMedia.case_id == case.id)):
            files = [p for p in stored_files(settings, media.storage_path) if p.is_file()]
            if files and not _needed_elsewhere(db_session, media, case.id):
                for path in files:
                    path.unlink()
                deleted += len(files)
        cleanup.due_at, cleanup.cleaned_at, cleanup.files_deleted = None, now, deleted
        audit(
            db_session=db_session,
            actor="system:evidence",
            action="media.deleted",
            subject=case.id,
            details={"files": deleted, "status": case.status},
        )
        deleted_total += deleted
    return deleted_total
