"""An account's other uploads, opened for review once material it posted is confirmed as child
sexual abuse, child sexual exploitation or intimate imagery shared without consent.

An account that posted such material has often posted more that no bank knows yet. Each of its
other uploads in the content ledger becomes a case of its own (channel `account_sweep`, no notice
behind it), reviewed like any other: material found there is removed, banked (so its copies
follow) and reported. A violating decision sweeps the uploader on its own (at most
`TAKEDOWN_ACCOUNT_SWEEP_LIMIT` uploads); a reviewer sweeps any account linked to a confirmed case
from its page (a poster of copies, say, or an uploader past the limit). The `account-sweep` job
works newest first in batches, each one transaction; a sweep waits until its case's copy search
has finished, so the copies are already down and are not opened again. An upload is opened once,
whatever sweeps it (idempotent on its scan id). An overturned decision cancels its sweeps; cases
already opened stay, each judged on its own upload.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record as audit
from takedown.cases.models import ACCOUNT_RISK_CATEGORIES, Case, CaseStatus, Category
from takedown.enforcement.metrics import ACCOUNTS_FLAGGED, SWEPT_UPLOADS
from takedown.enforcement.models import (
    AccountSweep,
    CaseCopy,
    CopySearch,
    CopySearchStatus,
    SweepStatus,
)
from takedown.enforcement.removal import taken_down
from takedown.errors import Conflict, TakedownError
from takedown.jobs import leases
from takedown.jobs.batches import run_in_batches
from takedown.reports.models import Channel
from takedown.scan.models import ContentItem, Verdict
from takedown.settings import Settings
from takedown.store.db import session_scope

log = logging.getLogger(__name__)

ACTOR = "system:enforcement"
BATCH = 50  # uploads a batch transaction looks at
# A reviewer's sweep when the automatic one is off (TAKEDOWN_ACCOUNT_SWEEP_LIMIT=0).
REQUESTED_UPLOADS_WHEN_OFF = 100
LEASE = timedelta(minutes=2)
RUN_SECONDS = 5.0


def sweep_after_decision(
    db_session: Session, settings: Settings, *, case: Case, uploader: str | None
) -> AccountSweep | None:
    """In a violating decision's transaction: sweep the uploader, when the case's category is
    swept and the limit is not 0."""
    if (
        not uploader
        or case.category not in ACCOUNT_RISK_CATEGORIES
        or not settings.account_sweep_limit
    ):
        return None
    return _start(
        db_session,
        account_id=uploader,
        case=case,
        requested_by=ACTOR,
        max_uploads=settings.account_sweep_limit,
    )


def sweep_on_request(
    db_session: Session, settings: Settings, *, account_id: str, actor: str, note: str
) -> AccountSweep:
    """A reviewer's sweep of an account, because of its latest confirmed case (as uploader or
    as poster of something a case took down); Conflict when no confirmed case links it, or a
    sweep of the account is still going (a second would go on past the first's uploads)."""
    running = db_session.scalar(
        select(AccountSweep.id).where(
            AccountSweep.account_id == account_id,
            AccountSweep.status == SweepStatus.PENDING.value,
        )
    )
    if running is not None:
        raise Conflict(
            "a sweep of this account is still going; the next can start when it has finished",
            code="sweep_running",
        )
    case = confirmed_case_of(db_session, account_id)
    if case is None:
        raise Conflict(
            "no confirmed case links this account: a sweep needs material confirmed as child "
            "sexual abuse, exploitation or intimate imagery",
            code="no_confirmed_case",
        )
    return _start(
        db_session,
        account_id=account_id,
        case=case,
        requested_by=actor,
        max_uploads=settings.account_sweep_limit or REQUESTED_UPLOADS_WHEN_OFF,
        note=note,
    )


def confirmed_case_of(db_session: Session, account_id: str) -> Case | None:
    """The account's latest case decided violating in a swept category: as its uploader, or as
    the poster of an item the case took down and has not restored."""
    posted = exists().where(
        CaseCopy.case_id == Case.id,
        CaseCopy.account_id == account_id,
        CaseCopy.restored_at.is_(None),
    )
    return db_session.scalar(
        select(Case)
        .where(
            Case.status == CaseStatus.ACTION_TAKEN,
            Case.category.in_([c.value for c in ACCOUNT_RISK_CATEGORIES]),
            or_(Case.account_id == account_id, posted),
        )
        .order_by(func.coalesce(Case.closed_at, Case.created_at).desc(), Case.id.desc())
        .limit(1)
    )


def _start(
    db_session: Session,
    *,
    account_id: str,
    case: Case,
    requested_by: str,
    max_uploads: int,
    note: str | None = None,
) -> AccountSweep:
    sweep = AccountSweep(
        account_id=account_id,
        case_id=case.id,
        category=case.category,
        requested_by=requested_by,
        note=note,
        max_uploads=max_uploads,
        opened=0,
        below=None,
        status=SweepStatus.PENDING.value,
        lease_until=None,
        created_at=clock.now(),
    )
    db_session.add(sweep)
    db_session.flush()
    audit(
        db_session=db_session,
        actor=requested_by,
        action="account.sweep_started",
        subject=account_id,
        details={"sweep_id": sweep.id, "case_id": case.id, "max_uploads": max_uploads}
        | ({"note": note} if note else {}),
    )
    return sweep


def cancel_sweeps(db_session: Session, *, case_id: str) -> int:
    """Stop the unfinished sweeps an overturned decision's case started."""
    result = db_session.execute(
        update(AccountSweep)
        .where(AccountSweep.case_id == case_id, AccountSweep.status == SweepStatus.PENDING.value)
        .values(status=SweepStatus.CANCELLED.value, finished_at=clock.now())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- the job ----------------------------------------------------------------------------------


def run_due(settings: Settings) -> int:
    """The account-sweep job: advance due sweeps, at least one batch and then until
    `RUN_SECONDS` have passed; cases opened."""
    try:
        return run_in_batches(
            claim=lambda: _claim(settings),
            next_batch=lambda sweep_id: _batch(settings, sweep_id),
            release=lambda sweep_id: _release(settings, sweep_id),
            seconds=RUN_SECONDS,
        )
    finally:
        _refresh_gauge(settings)


def _refresh_gauge(settings: Settings) -> None:
    from takedown.accounts.service import flagged_count

    with session_scope(settings.resolved_database_url) as db_session:
        ACCOUNTS_FLAGGED.set(flagged_count(db_session=db_session))


def _claim(settings: Settings) -> int | None:
    """A due sweep whose case has no copy search left running, leased to this run."""
    copies_pending = exists().where(
        CopySearch.case_id == AccountSweep.case_id,
        CopySearch.status == CopySearchStatus.PENDING.value,
    )
    with session_scope(settings.resolved_database_url) as db_session:
        due = db_session.scalars(
            select(AccountSweep.id)
            .where(
                AccountSweep.status == SweepStatus.PENDING.value,
                leases.is_free(AccountSweep.lease_until),
                ~copies_pending,
            )
            .order_by(AccountSweep.created_at, AccountSweep.id)
            .limit(10)
        ).all()
        for sweep_id in due:
            if leases.take(
                db_session,
                AccountSweep.lease_until,
                AccountSweep.id == sweep_id,
                until=clock.now() + LEASE,
            ):
                return int(sweep_id)
    return None


def _release(settings: Settings, sweep_id: int) -> None:
    with session_scope(settings.resolved_database_url) as db_session:
        db_session.execute(
            update(AccountSweep).where(AccountSweep.id == sweep_id).values(lease_until=None)
        )


def _batch(settings: Settings, sweep_id: int) -> int | None:
    """Open the next batch of the account's uploads, in a transaction of its own: how many
    cases it opened, or None when the sweep has nothing more to do now."""
    with session_scope(settings.resolved_database_url) as db_session:
        return _open_batch(db_session, settings, sweep_id)


def _open_batch(db_session: Session, settings: Settings, sweep_id: int) -> int | None:
    sweep = db_session.get(AccountSweep, sweep_id)
    if sweep is None or sweep.status != SweepStatus.PENDING.value:
        return None
    case = db_session.get(Case, sweep.case_id)
    if case is None or sweep.opened >= sweep.max_uploads or sweep.below == 0:
        _finish(db_session, sweep)
        return None
    # The batch's claim, before anything is opened: a write conditional on the cursor read. It
    # holds the row (PostgreSQL) or the database (SQLite) to the end of this transaction, so a
    # second worker's claim waits and then finds the cursor moved, and a reversal's cancel waits
    # for this batch. (On SQLite it must come first: pysqlite opens the transaction at the first
    # write, and a savepoint released outside one would commit each case on its own.)
    claimed = db_session.execute(
        update(AccountSweep)
        .where(
            AccountSweep.id == sweep.id,
            AccountSweep.status == SweepStatus.PENDING.value,
            AccountSweep.below.is_not_distinct_from(sweep.below),
        )
        .values(lease_until=clock.now() + LEASE)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None  # another worker took this batch, or the decision was overturned
    below = sweep.below
    if below is None:
        below = int(db_session.scalar(select(func.max(ContentItem.id))) or 0) + 1
    uploads = _next_uploads(db_session, sweep.account_id, below)
    opened = 0
    for item in uploads:
        if sweep.opened + opened >= sweep.max_uploads:
            break
        below = item.id
        if not taken_down(db_session, item.content_id):
            opened += _open_case(db_session, settings, case, item)
    else:
        if len(uploads) < BATCH:
            below = 0  # nothing older left
    db_session.execute(
        update(AccountSweep)
        .where(AccountSweep.id == sweep.id)
        .values(below=below, opened=AccountSweep.opened + opened)
    )
    SWEPT_UPLOADS.inc(opened)
    return opened


def _finish(db_session: Session, sweep: AccountSweep) -> None:
    finished = db_session.execute(
        update(AccountSweep)
        .where(AccountSweep.id == sweep.id, AccountSweep.status == SweepStatus.PENDING.value)
        .values(status=SweepStatus.DONE.value, finished_at=clock.now(), lease_until=None)
    )
    if finished.rowcount == 1:  # type: ignore[attr-defined]
        audit(
            db_session=db_session,
            actor=ACTOR,
            action="account.sweep_finished",
            subject=sweep.account_id,
            details={
                "sweep_id": sweep.id,
                "case_id": sweep.case_id,
                "opened": sweep.opened,
                "max_uploads": sweep.max_uploads,
            },
        )


def _next_uploads(db_session: Session, account_id: str, below: int) -> list[ContentItem]:
    """The account's next uploads shown on the platform, newest first, each post once (its
    latest scan) and only when that scan is below `below`."""
    latest = func.max(ContentItem.id)
    ids = db_session.scalars(
        select(latest)
        .where(
            ContentItem.account_id == account_id,
            ContentItem.verdict != Verdict.BLOCK.value,  # never shown; blocked uploads have cases
        )
        .group_by(ContentItem.content_id)
        .having(latest < below)
        .order_by(latest.desc())
        .limit(BATCH)
    ).all()
    items = db_session.scalars(select(ContentItem).where(ContentItem.id.in_(ids))).all()
    return sorted(items, key=lambda item: item.id, reverse=True)


def _open_case(db_session: Session, settings: Settings, case: Case, item: ContentItem) -> int:
    """1 when the upload's case was opened (or the upload joined an open case), 0 when an
    earlier sweep already opened it or intake refused it."""
    from takedown.reports.flows import report_scanned_upload

    category = Category(case.category)
    try:
        with db_session.begin_nested():  # one bad row never stops the sweep
            answer = report_scanned_upload(
                db_session=db_session,
                settings=settings,
                index=None,  # no media or fingerprints to match: the ledger's signals only
                item=item,
                category=category,
                channel=Channel.ACCOUNT_SWEEP,
                explanation=(
                    f"Another upload by account {item.account_id} (scan {item.scan_id}, "
                    f"{item.scanned_at:%Y-%m-%d %H:%M} UTC, allowed then), which posted material "
                    f"confirmed as {category.value.replace('_', ' ')} in case {case.id}. Opened "
                    "so that the account's other uploads are reviewed; nothing else is known "
                    "about this upload."
                ),
                idempotency_key=f"account-sweep:{item.scan_id}",
                bank_match=False,
            )
    except TakedownError as exc:
        log.error("no sweep case for upload %s: %s", item.scan_id, exc.detail)
        return 0
    return 0 if answer.replayed else 1


# --- reading ----------------------------------------------------------------------------------


def sweeps(
    db_session: Session, *, case_id: str | None = None, account_id: str | None = None
) -> list[dict[str, Any]]:
    """Sweeps of a case or an account, newest first, for pages and the API."""
    query = select(AccountSweep).order_by(AccountSweep.created_at.desc(), AccountSweep.id.desc())
    if case_id is not None:
        query = query.where(AccountSweep.case_id == case_id)
    if account_id is not None:
        query = query.where(AccountSweep.account_id == account_id)
    return [
        {
            "sweep_id": sweep.id,
            "account_id": sweep.account_id,
            "case_id": sweep.case_id,
            "status": sweep.status,
            "requested_by": sweep.requested_by,
            "note": sweep.note,
            "max_uploads": sweep.max_uploads,
            "opened": sweep.opened,
            "started_at": sweep.created_at,
            "finished_at": sweep.finished_at,
        }
        for sweep in db_session.scalars(query)
    ]
