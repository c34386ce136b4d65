"""Every copy of confirmed material in the content ledger, found by a job after the decision.

A violating decision writes a `CopySearch` (the case's signals, the bank's PDQ threshold, the
ledger's last row id) in its own transaction; this job then searches the ledger in batches of
`BATCH_ITEMS` rows, each batch one transaction that removes the copies it found (case copy,
statement of reasons, `content.remove` event) and moves the search's cursor. So a decision never
waits on the size of the ledger, and a crash or restart resumes from the last batch. Several
processes may run the job: a search is claimed with a lease (conditional UPDATE), and each batch
first moves the cursor from the value it read, so two workers never take the same batch. An
overturned decision cancels its search (`cancel_searches`) in the same transaction that restores
what was removed.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from takedown import clock
from takedown.accounts import service as accounts
from takedown.audit.service import record as audit
from takedown.cases.models import Case
from takedown.enforcement.copies import find_copies
from takedown.enforcement.metrics import COPIES_REMOVED, COPY_SEARCHES
from takedown.enforcement.models import CaseCopy, CopySearch, CopySearchStatus
from takedown.enforcement.removal import RemovedItem, remove_item
from takedown.enforcement.removal_checks import first_check_at
from takedown.jobs.batches import run_in_batches
from takedown.metrics import add_to_final_state, final_states_due, set_final_states
from takedown.scan.models import ContentItem
from takedown.settings import Settings
from takedown.store.db import session_scope

log = logging.getLogger(__name__)

ACTOR = "system:enforcement"
BATCH_ITEMS = 20_000  # ledger rows a batch transaction searches
LEASE = timedelta(minutes=2)
RUN_SECONDS = 5.0  # a job run stops after this, between batches, so other jobs get their turn
# Uploads scanned before the new bank entries reached a serving process (at most about 2 s:
# the index refresh) were allowed and are not in the search's first range; after this long the
# search's end is moved once more to the ledger's last row, and later uploads are blocked by
# their scan.
COVER = timedelta(seconds=10)


def start_copy_search(
    db_session: Session,
    *,
    case: Case,
    decision_id: str,
    signals: list[dict[str, Any]],
    pdq_threshold: int,
    uploader: str | None,
    policy: str,
) -> CopySearch:
    """Queue the ledger search for the case's content (in the decision's transaction)."""
    now = clock.now()
    search = CopySearch(
        case_id=case.id,
        decision_id=decision_id,
        status=CopySearchStatus.PENDING.value,
        signals=signals,
        pdq_threshold=pdq_threshold,
        uploader=uploader,
        policy=policy,
        searched_up_to=0,
        last_item_id=_ledger_end(db_session),
        target_set_at=now,
        target_final=False,
        found=0,
        created_at=now,
        lease_until=now,
    )
    db_session.add(search)
    db_session.flush()
    return search


def cancel_searches(db_session: Session, *, case_id: str) -> int:
    """Stop the case's unfinished searches (an overturned decision); call before reading the
    case's copies, so a batch that committed meanwhile is among them."""
    result = db_session.execute(
        update(CopySearch)
        .where(CopySearch.case_id == case_id, CopySearch.status == CopySearchStatus.PENDING.value)
        .values(status=CopySearchStatus.CANCELLED.value, finished_at=clock.now())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def run_due(settings: Settings) -> int:
    """The copy-search job: advance due searches, at least one batch and then until
    `RUN_SECONDS` have passed; copies removed."""
    claimed: list[int] = []

    def claim() -> int | None:
        search_id = _claim(settings)
        if search_id is not None:
            claimed.append(search_id)
        return search_id

    try:
        return run_in_batches(
            claim=claim,
            next_batch=lambda search_id: _next_batch(settings, search_id),
            release=lambda search_id: _release(settings, search_id),
            seconds=RUN_SECONDS,
        )
    finally:
        _refresh_gauges(settings, searched=set(claimed))


def _refresh_gauges(settings: Settings, *, searched: set[int]) -> None:
    """Searches by status; between the counts of the final states, the searches this run
    finished are added (a search is claimed only while pending)."""
    recount = final_states_due(COPY_SEARCHES)
    statuses = [s for s in CopySearchStatus if recount or s == CopySearchStatus.PENDING]
    with session_scope(settings.resolved_database_url) as db_session:
        counts = dict(
            db_session.execute(
                select(CopySearch.status, func.count())
                .where(CopySearch.status.in_([s.value for s in statuses]))
                .group_by(CopySearch.status)
            ).all()
        )
        finished_now = 0
        if searched and not recount:
            finished_now = int(
                db_session.scalar(
                    select(func.count()).where(
                        CopySearch.id.in_(searched),
                        CopySearch.status == CopySearchStatus.DONE.value,
                    )
                )
                or 0
            )
    pending = CopySearchStatus.PENDING.value
    COPY_SEARCHES.labels(pending).set(counts.get(pending, 0))
    if recount:
        final = [s.value for s in CopySearchStatus if s != CopySearchStatus.PENDING]
        set_final_states(COPY_SEARCHES, {status: counts.get(status, 0) for status in final})
    else:
        add_to_final_state(COPY_SEARCHES, CopySearchStatus.DONE.value, finished_now)


def _release(settings: Settings, search_id: int) -> None:
    with session_scope(settings.resolved_database_url) as db_session:
        db_session.execute(
            update(CopySearch)
            .where(CopySearch.id == search_id, CopySearch.status == CopySearchStatus.PENDING.value)
            .values(lease_until=clock.now())
        )


def _claim(settings: Settings) -> int | None:
    now = clock.now()
    with session_scope(settings.resolved_database_url) as db_session:
        due = db_session.execute(
            select(CopySearch.id, CopySearch.lease_until)
            .where(
                CopySearch.status == CopySearchStatus.PENDING.value,
                CopySearch.lease_until <= now,
            )
            .order_by(CopySearch.created_at, CopySearch.id)
            .limit(10)
        ).all()
        for search_id, lease in due:
            claimed = db_session.execute(
                update(CopySearch)
                .where(CopySearch.id == search_id, CopySearch.lease_until == lease)
                .values(lease_until=now + LEASE)
            )
            if claimed.rowcount == 1:  # type: ignore[attr-defined]
                return int(search_id)
    return None


def _next_batch(settings: Settings, search_id: int) -> int | None:
    """Search the next batch of ledger rows; copies removed, or None when the search has
    nothing to do now (finished, cancelled, taken over, or waiting for `COVER`)."""
    now = clock.now()
    with session_scope(settings.resolved_database_url) as db_session:
        search = db_session.get(CopySearch, search_id)
        if search is None or search.status != CopySearchStatus.PENDING.value:
            return None
        if search.searched_up_to >= search.last_item_id:
            return _at_the_end(db_session, search, now)
        first = search.searched_up_to + 1
        last = min(search.searched_up_to + BATCH_ITEMS, search.last_item_id)
        # Moving the cursor from the value read is the batch's claim (and on PostgreSQL locks
        # the row, so a reversal waits for this batch and then sees its copies).
        moved = db_session.execute(
            update(CopySearch)
            .where(
                CopySearch.id == search.id,
                CopySearch.status == CopySearchStatus.PENDING.value,
                CopySearch.searched_up_to == search.searched_up_to,
            )
            .values(searched_up_to=last, lease_until=now + LEASE)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            db_session.rollback()
            return None
        removed, flagged = _remove_copies(db_session, settings, search, (first, last))
        COPIES_REMOVED.inc(len(removed))
        db_session.execute(
            update(CopySearch)
            .where(CopySearch.id == search.id)
            .values(found=CopySearch.found + len(removed))
        )
        if removed:
            audit(
                db_session=db_session,
                actor=ACTOR,
                action="enforcement.copies_removed",
                subject=search.case_id,
                details={
                    "decision_id": search.decision_id,
                    "ledger_rows": [first, last],
                    "removed": removed,
                    "flagged": flagged,
                },
            )
        return len(removed)


def _at_the_end(db_session: Session, search: CopySearch, now: datetime) -> int | None:
    """Move the end once more after `COVER` (0: go on), or finish the search (None)."""
    pending = (CopySearch.id == search.id, CopySearch.status == CopySearchStatus.PENDING.value)
    if not search.target_final:
        if now < search.target_set_at + COVER:
            db_session.execute(
                update(CopySearch).where(*pending).values(lease_until=search.target_set_at + COVER)
            )
            return None
        db_session.execute(
            update(CopySearch)
            .where(*pending, CopySearch.target_final.is_(False))
            .values(
                last_item_id=max(search.last_item_id, _ledger_end(db_session)),
                target_set_at=now,
                target_final=True,
            )
        )
        return 0
    finished = db_session.execute(
        update(CopySearch)
        .where(*pending, CopySearch.searched_up_to >= CopySearch.last_item_id)
        .values(status=CopySearchStatus.DONE.value, finished_at=now)
    )
    if finished.rowcount == 1:  # type: ignore[attr-defined]
        audit(
            db_session=db_session,
            actor=ACTOR,
            action="enforcement.copy_search_finished",
            subject=search.case_id,
            details={
                "decision_id": search.decision_id,
                "ledger_rows": search.last_item_id,
                "copies_removed": search.found,
            },
        )
    return None


def _remove_copies(
    db_session: Session, settings: Settings, search: CopySearch, item_ids: tuple[int, int]
) -> tuple[list[str], list[str]]:
    """Take down the copies among these ledger rows: (content ids removed, accounts flagged)."""
    case = db_session.get(Case, search.case_id)
    if case is None:
        return [], []
    found = find_copies(
        db_session=db_session,
        settings=settings,
        signals=search.signals,
        pdq_threshold=search.pdq_threshold,
        item_ids=item_ids,
    )
    if not found:
        return [], []
    taken = set(
        db_session.scalars(
            select(CaseCopy.content_id).where(
                CaseCopy.case_id == case.id,
                CaseCopy.content_id.in_({match.content_id for match in found}),
            )
        )
    )
    removed: list[str] = []
    flagged: list[str] = []
    for match in found:
        if match.content_id in taken:
            continue
        taken.add(match.content_id)
        remove_item(
            db_session,
            case=case,
            decision_id=search.decision_id,
            policy=search.policy,
            item=RemovedItem.copy(match),
            first_check_at=first_check_at(settings, clock.now()),
        )
        removed.append(match.content_id)
        if match.account_id and match.account_id != search.uploader:
            accounts.flag_for_review(
                db_session=db_session,
                account_id=match.account_id,
                reason=f"posted a copy of material confirmed in case {case.id}",
            )
            flagged.append(match.account_id)
    return removed, flagged


def _ledger_end(db_session: Session) -> int:
    return int(db_session.scalar(select(func.max(ContentItem.id))) or 0)


def search_status(db_session: Session, *, case_id: str) -> dict[str, Any] | None:
    """The case's latest copy search, for the case's enforcement page."""
    search = db_session.scalar(
        select(CopySearch)
        .where(CopySearch.case_id == case_id)
        .order_by(CopySearch.created_at.desc(), CopySearch.id.desc())
        .limit(1)
    )
    if search is None:
        return None
    return {
        "status": search.status,
        "decision_id": search.decision_id,
        "ledger_rows_searched": min(search.searched_up_to, search.last_item_id),
        "ledger_rows": search.last_item_id,
        "copies_removed": search.found,
        "started_at": search.created_at,
        "finished_at": search.finished_at,
    }
