"""Known material found after upload.

A hash banked today says nothing to the uploads scanned yesterday: they were allowed, and they are
up. So every entry added to or enabled in a bank (an import, an exchange sync, a confirmed case, a
person) is looked for among the uploads already in the content ledger, by the scan's own rule: each
upload's stored signals (every PDQ variant, the region and video signals) are matched again, against
an index of only the new entries. A live upload that matches a `csam` or `ncii` bank opens a case
(reports channel `found_after_upload`, no notice behind it; child sexual abuse material found up is
P0), and the review, removal of every copy, CyberTipline report and account action run as for
any case.

The job follows the index change log from a stored cursor (rows taken once `SETTLE` old, as
cases/blocked_uploads.py does, so a late-committing transaction is not skipped). The entries of
the changes since the last search become one `LookbackSearch` over the ledger rows up to the
newest (which covers uploads scanned before a serving process saw the new entries). A search works
through the ledger in batches, each one transaction that opens the cases it found and moves the
search's position; a run stops after `RUN_SECONDS` and the next resumes. One search at a time;
hashes banked meanwhile wait for the next one.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record as audit
from takedown.banks.models import BankEntry, IndexChange
from takedown.banks.service import IndexOp
from takedown.cases.live_uploads import case_matches, news_since_cleared, open_case_for_live_upload
from takedown.enforcement.held_uploads import is_held
from takedown.enforcement.models import CaseBankEntry
from takedown.enforcement.removal import taken_down
from takedown.errors import TakedownError
from takedown.index.service import MatchIndex
from takedown.jobs import leases
from takedown.jobs.cursors import locked_cursor
from takedown.lookback.metrics import FOUND, PROGRESS, RUNNING_SECONDS, SEARCHED
from takedown.lookback.models import LookbackSearch, LookbackStatus
from takedown.reports.models import Channel
from takedown.scan.flows import match_uploads
from takedown.scan.models import ContentItem, MatchEvent, Verdict
from takedown.settings import Settings
from takedown.store.db import lock_on_sqlite, session_scope

log = logging.getLogger(__name__)
CURSOR = "lookback-index-changes"
ACTOR = "system:lookback"
SETTLE = timedelta(seconds=10)
BATCH = 500  # ledger rows a batch transaction matches again
RUN_SECONDS = 5.0
LEASE = timedelta(minutes=2)
# Entries added or enabled, except those a case's decision banked: that case's every-copy search
# already goes through the ledger for them (and removes what it finds).
_NEW_ENTRIES = (
    IndexChange.op.in_([IndexOp.ADD.value, IndexOp.ENABLE.value]),
    IndexChange.entry_id.is_not(None),
    # NOT EXISTS by the indexed entry id: NOT IN read every case's banked entry on each run.
    ~exists().where(CaseBankEntry.entry_id == IndexChange.entry_id),
)


def run_lookback(settings: Settings, index: Any = None) -> int:
    """Plan a search for newly banked hashes if none is running, then work on the running one
    for up to RUN_SECONDS; returns the uploads found this run."""
    if not settings.lookback_opens_cases:
        return 0
    _plan(settings)
    found = _work(settings, index)
    _publish(settings)
    return found


def _publish(settings: Settings) -> None:
    with session_scope(settings.resolved_database_url) as db_session:
        running = db_session.scalar(
            select(LookbackSearch)
            .where(LookbackSearch.status == LookbackStatus.RUNNING)
            .order_by(LookbackSearch.id)
        )
        if running is None:
            RUNNING_SECONDS.set(0)
            PROGRESS.set(1)
            return
        RUNNING_SECONDS.set((clock.now() - running.created_at).total_seconds())
        span = running.ledger_end - (running.position - running.searched)
        PROGRESS.set(min(1.0, running.searched / span) if span > 0 else 1.0)


# --- planning -----------------------------------------------------------------------------------


def _plan(settings: Settings) -> None:
    try:
        with session_scope(settings.resolved_database_url) as db_session:
            running = db_session.scalar(
                select(LookbackSearch.id).where(LookbackSearch.status == LookbackStatus.RUNNING)
            )
            if running is not None:
                return
            cursor = locked_cursor(db_session, CURSOR)
            # Up to the first change not yet settled: the cursor never passes a change it has not
            # taken. Aggregates, so a million-hash import is not read row by row.
            after = IndexChange.seq > cursor.position
            unsettled = db_session.scalar(
                select(func.min(IndexChange.seq)).where(
                    after, IndexChange.changed_at > clock.now() - SETTLE
                )
            )
            settled = [after] if unsettled is None else [after, IndexChange.seq < unsettled]
            last = db_session.scalar(select(func.max(IndexChange.seq)).where(*settled))
            last = cursor.position if last is None else last
            entries = (
                db_session.scalar(select(func.count()).where(*settled, *_NEW_ENTRIES)) or 0
            ) + _widened_entries(db_session, _widened_banks(db_session, *settled))
            if last == cursor.position:
                return
            if entries:
                first_row = _first_ledger_row(db_session, settings)
                ledger_end = db_session.scalar(select(func.max(ContentItem.id))) or 0
                db_session.add(
                    LookbackSearch(
                        changes_after=cursor.position,
                        changes_to=last,
                        entries=entries,
                        position=first_row,
                        ledger_end=ledger_end,
                        searched=0,
                        found=0,
                        status=LookbackStatus.RUNNING.value,
                        created_at=clock.now(),
                    )
                )
            cursor.position, cursor.updated_at = last, clock.now()
    except IntegrityError:
        log.info("another process created the lookback cursor first; next run goes on")


def _widened_banks(db_session: Session, *changes: Any) -> list[int]:
    """Banks a settings change let match more (IndexOp.WIDEN) among `changes`: all their enabled
    entries are searched for, as if banked again."""
    # Distinct here, not in SQL: for DISTINCT, SQLite read every change ever through the bank
    # index instead of the few changes in range.
    return sorted(
        set(
            db_session.scalars(
                select(IndexChange.bank_id).where(*changes, IndexChange.op == IndexOp.WIDEN.value)
            )
        )
    )


def _widened_entries(db_session: Session, bank_ids: list[int]) -> int:
    if not bank_ids:
        return 0
    return (
        db_session.scalar(
            select(func.count()).where(BankEntry.bank_id.in_(bank_ids), BankEntry.enabled.is_(True))
        )
        or 0
    )


def _first_ledger_row(db_session: Session, settings: Settings) -> int:
    """The position before the oldest upload to look at (TAKEDOWN_LOOKBACK_DAYS; 0: all)."""
    if settings.lookback_days <= 0:
        return 0
    since = clock.now() - timedelta(days=settings.lookback_days)
    first = db_session.scalar(
        select(func.min(ContentItem.id)).where(ContentItem.scanned_at >= since)
    )
    return (
        (first - 1)
        if first is not None
        else db_session.scalar(select(func.max(ContentItem.id))) or 0
    )


# --- working ------------------------------------------------------------------------------------


def _work(settings: Settings, serving_index: Any) -> int:
    url = settings.resolved_database_url
    with session_scope(url) as db_session:
        search = db_session.scalar(
            select(LookbackSearch)
            .where(LookbackSearch.status == LookbackStatus.RUNNING)
            .order_by(LookbackSearch.id)
        )
        if search is None or not _claim(db_session, search.id):
            return 0
        search_id, after, upto = search.id, search.changes_after, search.changes_to
    index = _index_for(settings, search_id, after, upto)
    started, found, done = time.monotonic(), 0, False
    try:
        while not done:  # at least one batch a run, then until RUN_SECONDS have passed
            with session_scope(url) as db_session:
                done, opened = _batch(db_session, settings, serving_index, index, search_id)
            found += opened
            if time.monotonic() - started >= RUN_SECONDS:
                break
    finally:
        if done and (url, search_id) in _built:
            _built.pop((url, search_id))[0].close()
        else:  # let the next run (of any process) carry on at once
            with session_scope(url) as db_session:
                db_session.execute(
                    update(LookbackSearch)
                    .where(LookbackSearch.id == search_id)
                    .values(claimed_until=None)
                )
    return found


# The running search's index, kept between runs of this process (a search of a million new
# hashes would otherwise rebuild it every run), with the change-log position it was built at.
_built: dict[tuple[str, int], tuple[MatchIndex, int]] = {}


def _index_for(settings: Settings, search_id: int, after: int, upto: int) -> MatchIndex:
    """An index of the entries the changes (after, upto] added or enabled and that are still
    enabled, in banks as they are now: rebuilt when an entry or a bank changed since it was built
    (a hash withdrawn during a search opens no case)."""
    url = settings.resolved_database_url
    key = (url, search_id)
    with session_scope(url) as db_session:
        now_at = db_session.scalar(select(func.max(IndexChange.seq))) or 0
        cached = _built.get(key)
        if cached is not None:
            changed = db_session.scalar(
                select(func.count()).where(
                    IndexChange.seq > cached[1],
                    IndexChange.op.in_([IndexOp.DISABLE.value, IndexOp.BANK.value]),
                )
            )
            if not changed:
                return cached[0]
        in_search = (IndexChange.seq > after, IndexChange.seq <= upto)
        entry_ids = {
            entry_id
            for entry_id in db_session.scalars(
                select(IndexChange.entry_id).where(*in_search, *_NEW_ENTRIES).distinct()
            )
            if entry_id is not None
        }
        widened = _widened_banks(db_session, *in_search)
        if widened:
            entry_ids.update(
                db_session.scalars(
                    select(BankEntry.id).where(
                        BankEntry.bank_id.in_(widened), BankEntry.enabled.is_(True)
                    )
                )
            )
    for stale in [k for k in _built if k[0] == url]:
        _built.pop(stale)[0].close()
    index = MatchIndex.of_entries(settings, sorted(entry_ids))
    _built[key] = (index, now_at)
    return index


def _claim(db_session: Session, search_id: int) -> bool:
    return leases.take(
        db_session,
        LookbackSearch.claimed_until,
        LookbackSearch.id == search_id,
        until=clock.now() + LEASE,
    )


def _entries_matched_at_scan(db_session: Session, item_ids: list[int]) -> set[tuple[int, int]]:
    """(ledger row, bank entry) of the match events the rows' own scans recorded."""
    if not item_ids:
        return set()
    return {
        (item_id, entry_id)
        for item_id, entry_id in db_session.execute(
            select(MatchEvent.content_item_id, MatchEvent.entry_id).where(
                MatchEvent.content_item_id.in_(item_ids)
            )
        )
    }


def _batch(
    db_session: Session, settings: Settings, serving_index: Any, index: MatchIndex, search_id: int
) -> tuple[bool, int]:
    """Match the next ledger rows again; (search finished, cases opened)."""
    lock_on_sqlite(db_session)  # before the read: the batch is one transaction there too
    search = db_session.get(LookbackSearch, search_id, with_for_update=True)
    assert search is not None
    rows = db_session.scalars(
        select(ContentItem)
        .where(ContentItem.id > search.position, ContentItem.id <= search.ledger_end)
        .order_by(ContentItem.id)
        .limit(BATCH)
    ).all()
    # Blocked uploads were never shown, and have cases of their own.
    shown = [item for item in rows if item.verdict != Verdict.BLOCK.value]
    outcomes = match_uploads(
        index=index, settings=settings, uploads=[list(item.signals) for item in shown]
    )
    # An entry the upload's own scan matched was acted on then (held or blocked, and its case
    # opened): the search also covers uploads scanned after the entries were banked. Unless the
    # entry's bank now matches more than it did (enabled again, out of `other`, a higher
    # threshold): then the scan's match may have led to nothing.
    matched_at_scan = _entries_matched_at_scan(db_session, [item.id for item in shown])
    widened = set(
        _widened_banks(
            db_session,
            IndexChange.seq > search.changes_after,
            IndexChange.seq <= search.changes_to,
        )
    )
    opened = 0
    for item, outcome in zip(shown, outcomes, strict=True):
        found = [
            match
            for match in case_matches(outcome.matches)
            if match.bank_id in widened or (item.id, match.entry_id) not in matched_at_scan
        ]
        if not found or taken_down(db_session, item.content_id):
            continue
        found, cleared = news_since_cleared(db_session, item, found)
        if not found:
            continue
        held = is_held(item)  # the platform holds it unpublished: not up, and never shown
        since = f"{'Held' if held else 'Up'} since {item.scanned_at:%Y-%m-%d %H:%M:%S} UTC"
        if cleared is not None:
            since = f"Cleared in case {cleared.id}; {since[0].lower()}{since[1:]}"
        then = "held for review" if held else "allowed then"
        try:
            with db_session.begin_nested():  # one bad row never stops the search
                open_case_for_live_upload(
                    db_session,
                    settings,
                    serving_index,
                    item,
                    found,
                    channel=Channel.HELD_AT_UPLOAD if held else Channel.FOUND_AFTER_UPLOAD,
                    how_found=(
                        f"{since} (scan {item.scan_id}, {then}) and matching hashes banked since"
                    ),
                    may_remove=cleared is None,
                )
                opened += 1
        except TakedownError as exc:
            log.error("no case for upload %s found after upload: %s", item.scan_id, exc.detail)
    search.searched += len(rows)
    search.found += opened
    search.claimed_until = clock.now() + LEASE
    SEARCHED.inc(len(rows))
    FOUND.inc(opened)
    if rows:
        search.position = rows[-1].id
    if not rows or search.position >= search.ledger_end:
        search.status = LookbackStatus.DONE.value
        search.finished_at = clock.now()
        search.claimed_until = None
        audit(
            db_session=db_session,
            actor=ACTOR,
            action="lookback.finished",
            subject=f"lookback:{search.id}",
            details={
                "entries": search.entries,
                "uploads_searched": search.searched,
                "found": search.found,
            },
        )
        return True, opened
    return False, opened
