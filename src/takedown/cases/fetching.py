"""Fetch a case's media from the platform (by content id) after intake, hash and match it.

Intake answers at once; the fetch happens here, so a slow or failing platform never delays or
loses a report. A bank match raises the case's priority; media matching another open case's
merges the two (cases/merging.py).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from takedown import clock
from takedown.audit.service import record
from takedown.cases.media import attach_media, hash_media
from takedown.cases.merging import merge_with_matching_case
from takedown.cases.models import Case, CaseMedia, MediaSource
from takedown.cases.service import apply_priority, case_priority
from takedown.errors import TakedownError
from takedown.settings import Settings
from takedown.store.db import session_scope

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 5


class FetchState:
    PENDING = "pending"
    MERGING = "merging"  # media attached; the merge check (its own transaction) still to run
    DONE = "done"
    FAILED = "failed"


def fetch_pending_media(settings: Settings, index: Any = None) -> int:
    """Fetch media for cases waiting on it; returns how many cases got media."""
    if not settings.platform_media_url:
        return 0
    _finish_interrupted_merges(settings)
    now = clock.now()
    with session_scope(settings.resolved_database_url) as db_session:
        due = db_session.execute(
            select(Case.id, Case.content_id, Case.media_fetch_next_at)
            .where(Case.media_fetch_state == FetchState.PENDING, Case.media_fetch_next_at <= now)
            .limit(20)
        ).all()
    fetched = 0
    for case_id, content_id, due_at in due:
        with session_scope(settings.resolved_database_url) as db_session:
            leased = db_session.execute(
                update(Case)
                .where(Case.id == case_id, Case.media_fetch_next_at == due_at)
                .values(media_fetch_next_at=now + LEASE)
                .execution_options(synchronize_session=False)
            )
            if cast(CursorResult[Any], leased).rowcount != 1:
                continue
        from takedown.platform.fetch import FetchRefused, fetch_media

        try:
            data = fetch_media(settings, content_id or "")
            hashed = hash_media(settings=settings, index=index, data=data, filename=None)
        except TakedownError as exc:
            _failed(settings, case_id, exc.detail, permanent=isinstance(exc, FetchRefused))
            continue
        with session_scope(settings.resolved_database_url) as db_session:
            case = db_session.get(Case, case_id)
            assert case is not None
            attach_media(
                db_session=db_session,
                settings=settings,
                case=case,
                data=data,
                hashed=hashed,
                filename=None,
                source=MediaSource.PLATFORM,
                report_id=None,
            )
            before = case.priority
            apply_priority(
                settings=settings,
                case=case,
                priority=case_priority(db_session=db_session, settings=settings, case=case),
                start=clock.now(),
                legal_ncii=False,
            )
            case.media_fetch_state, case.media_fetch_error = FetchState.MERGING, None
            case.updated_at = clock.now()
            record(
                db_session=db_session,
                actor="system",
                action="case.media_fetched",
                subject=case.id,
                details={
                    "sha256": hashed.sha256,
                    "bank_matches": len(hashed.matches),
                    "priority": {"from": before, "to": case.priority},
                },
            )
        _merge_step(settings, case_id, hashed.signals)
        fetched += 1
    return fetched


def _merge_step(settings: Settings, case_id: str, signals: list[dict[str, Any]]) -> None:
    """Its own transaction, after the media is safely attached (the merge locks two cases, in id
    order); the case leaves `merging` in the same transaction, so a crash in between leaves it
    there for `_finish_interrupted_merges`."""
    with session_scope(settings.resolved_database_url) as db_session:
        merge_with_matching_case(
            db_session=db_session, settings=settings, case_id=case_id, signals=signals
        )
        db_session.execute(
            update(Case)
            .where(Case.id == case_id, Case.media_fetch_state == FetchState.MERGING)
            .values(media_fetch_state=FetchState.DONE)
            .execution_options(synchronize_session=False)
        )


def _finish_interrupted_merges(settings: Settings) -> None:
    """Cases whose media was attached but whose merge check never ran (a crash between the two
    transactions): run it now from the stored media's signals. Running it twice is harmless."""
    with session_scope(settings.resolved_database_url) as db_session:
        waiting = list(
            db_session.scalars(
                select(Case.id).where(Case.media_fetch_state == FetchState.MERGING).limit(20)
            )
        )
    for case_id in waiting:
        with session_scope(settings.resolved_database_url) as db_session:
            signals = [
                signal
                for media in db_session.scalars(
                    select(CaseMedia).where(CaseMedia.case_id == case_id)
                )
                for signal in media.signals or []
            ]
        _merge_step(settings, case_id, signals)


def _failed(settings: Settings, case_id: str, reason: str, *, permanent: bool) -> None:
    log.warning("platform media for %s not fetched: %s", case_id, reason)
    with session_scope(settings.resolved_database_url) as db_session:
        case = db_session.get(Case, case_id)
        if case is None:
            return
        case.media_fetch_attempts += 1
        case.media_fetch_error = reason[:2000]
        if permanent or case.media_fetch_attempts >= MAX_ATTEMPTS:
            case.media_fetch_state = FetchState.FAILED
            case.media_fetch_next_at = None
        else:
            case.media_fetch_next_at = clock.now() + timedelta(
                seconds=30 * 2**case.media_fetch_attempts
            )
