"""A long history beside the work under test, and a measure of the work SQLite does, for the
rules that a page or a job must not get slower as closed cases pile up (SQLite without
statistics, as a deployment runs it)."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, make_url
from sqlalchemy.engine import Engine

from takedown import clock
from takedown.accounts.models import Account
from takedown.audit.service import record
from takedown.cases.models import Appeal, Case, CaseMedia
from takedown.enforcement.models import AccountSweep, CaseCopy, CopySearch, OutboxEvent
from takedown.evidence.models import MediaCleanup
from takedown.lookback.models import LookbackSearch
from takedown.ncmec.models import NcmecFiling
from takedown.quality.models import QualityCheck
from takedown.reports.models import Report
from takedown.review.exposure import REVEALED
from takedown.review.models import Decision
from takedown.scan.models import ContentItem
from takedown.settings import Settings
from takedown.store.db import dispose, session_scope
from takedown.transparency.models import StatementRecord

HISTORY_CASES = 3000
WITHOUT_HISTORY = "without history"


def history_case_ids(cases: int = HISTORY_CASES) -> list[str]:
    return [f"case_history_{n:06d}" for n in range(cases)]


@contextmanager
def sqlite_work(settings: Settings) -> Iterator[list[int]]:
    """How often SQLite's progress handler ran meanwhile on `settings`' database, at its finest
    setting: about once for every loop step of the virtual machine (a row visited), so the same on
    every run, unlike a time, and it grows with the rows a statement reads. Other databases are
    left out: a thread an earlier test left behind may be reading its own database meanwhile."""
    measured = make_url(settings.resolved_database_url).database
    steps = [0]
    counting: list[Any] = []

    def tick() -> int:
        steps[0] += 1
        return 0  # go on

    def start(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if conn.dialect.name != "sqlite" or conn.engine.url.database != measured:
            return
        plain = conn.connection.dbapi_connection
        if all(plain is not seen for seen in counting):
            plain.set_progress_handler(tick, 1)  # finest setting; later fetches count too
            counting.append(plain)

    event.listen(Engine, "before_cursor_execute", start)
    try:
        yield steps
    finally:
        event.remove(Engine, "before_cursor_execute", start)
        for plain in counting:
            plain.set_progress_handler(None, 0)


def database_copy(settings: Settings, folder: Path) -> Settings:
    """Settings for a copy of the SQLite database and data folder in `folder`."""
    dispose(settings.resolved_database_url)
    copy = settings.model_copy(
        update={"data_dir": folder / "data", "database_url": f"sqlite:///{folder / 'copy.db'}"}
    )
    shutil.copytree(settings.data_dir, copy.data_dir)
    with (
        sqlite3.connect(settings.resolved_database_url.removeprefix("sqlite:///")) as source,
        sqlite3.connect(copy.resolved_database_url.removeprefix("sqlite:///")) as target,
    ):
        source.backup(target)
    return copy


def with_indexes_reversed(settings: Settings, folder: Path) -> Settings:
    """A copy of the database whose schema lists its indexes the other way round. SQLite without
    statistics settles a tie between two equally good indexes by that order, and Alembic's batch
    migrations leave the order to Python's hash seed: work measured on both orders cannot pass by
    the seed's luck (one run in three read a reviewer's every quality check that way)."""
    copy = database_copy(settings, folder)
    with sqlite3.connect(copy.resolved_database_url.removeprefix("sqlite:///")) as database:
        indexes = database.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            " ORDER BY rowid"
        ).fetchall()
        for name, _ in indexes:
            database.execute(f'DROP INDEX "{name}"')
        for _, sql in reversed(indexes):
            database.execute(sql)
    return copy


def history_databases(
    settings: Settings, with_history: Settings, folder: Path
) -> list[tuple[str, Settings]]:
    """The database without history, then with it, then with it and its indexes listed the other
    way round; make them before the first measured run changes any of them."""
    return [
        (WITHOUT_HISTORY, settings),
        ("with history", with_history),
        ("with history, indexes the other way", with_indexes_reversed(with_history, folder)),
    ]


def assert_work_did_not_grow(work: dict[str, int], *, floor: int = 100) -> None:
    """Each run with history did no more work than the run without it, within what a history
    read in full would add (once a row at least: 3,000 for 3,000 rows)."""
    baseline = work[WITHOUT_HISTORY]
    assert baseline > floor, work  # the measured run did read something
    for name, steps in work.items():
        assert steps <= baseline * 1.05 + HISTORY_CASES // 10, (name, work)


def add_history(settings: Settings, cases: int = HISTORY_CASES) -> None:
    """Cases decided and closed long ago, with their reports, media (already deleted) and
    accounts, as a platform piles them up."""
    long_ago = clock.now() - timedelta(days=200)
    ids = history_case_ids(cases)
    at = {"created_at": long_ago, "updated_at": long_ago}
    with session_scope(settings.resolved_database_url) as db_session:
        db_session.execute(
            insert(Case),
            [
                {
                    "id": case_id,
                    "status": "action_taken",
                    "priority": "P1",
                    "category": "terms_violation",
                    "deadline_at": long_ago,
                    "deadline_started_at": long_ago,
                    "decided_at": long_ago,
                    "closed_at": long_ago,
                    "outcome": "violating",
                    "account_id": f"acct-{case_id}",
                    **at,
                }
                for case_id in ids
            ],
        )
        db_session.execute(
            insert(Report),
            [
                {
                    "id": f"rep_{case_id}",
                    "case_id": case_id,
                    "category": "terms_violation",
                    "tracking_token": f"track-{case_id}",
                    "channel": "api",
                    "has_media": True,
                    "received_at": long_ago,
                }
                for case_id in ids
            ],
        )
        db_session.execute(
            insert(CaseMedia),
            [
                {
                    "case_id": case_id,
                    "source": "upload",
                    "storage_path": f"history/{case_id}",
                    "sha256": f"{n:064x}",
                    "media_type": "image",
                    "size_bytes": 1,
                    "created_at": long_ago,
                }
                for n, case_id in enumerate(ids)
            ],
        )
        db_session.execute(
            insert(MediaCleanup),
            [{"case_id": case_id, "cleaned_at": long_ago, "files_deleted": 1} for case_id in ids],
        )
        db_session.execute(
            insert(Account),
            [{"id": f"acct-{case_id}", "strike_count": 1, **at} for case_id in ids],
        )


def add_pipeline_history(settings: Settings, decided_by: str) -> None:
    """What the history cases left behind them downstream, all finished long ago: the decision
    (by user id `decided_by`, who also revealed the original), the removed item (verified down),
    a decided appeal, a delivered platform event, a filed CyberTipline report, a quality check,
    the copy search and the account sweep, the scan and the statement of reasons; and a lookback
    that ran."""
    long_ago = clock.now() - timedelta(days=200)
    ids = history_case_ids()
    finished = {"created_at": long_ago, "finished_at": long_ago}
    rows: list[tuple[Any, list[dict[str, Any]]]] = [
        (
            Decision,
            [
                {
                    "id": f"dec_{case_id}",
                    "case_id": case_id,
                    "reviewer_id": decided_by,
                    "stage": "first",
                    "outcome": "violating",
                    "final": True,
                    "decided_at": long_ago,
                }
                for case_id in ids
            ],
        ),
        (
            CaseCopy,
            [
                {
                    "case_id": case_id,
                    "content_id": f"content-{case_id}",
                    "match_kind": "reported",
                    "removed_at": long_ago,
                    "removal_verified_at": long_ago,
                    "still_up_checks": 1,  # seen up once, then verified down
                }
                for case_id in ids
            ],
        ),
        (
            Appeal,
            [
                {
                    "id": f"apl_{case_id}",
                    "case_id": case_id,
                    "appellant": "uploader",
                    "reason": "long ago",
                    "status": "decided",
                    "outcome": "upheld",
                    "created_at": long_ago,
                    "decided_at": long_ago,
                }
                for case_id in ids
            ],
        ),
        (
            OutboxEvent,
            [
                {
                    "id": f"evt_{case_id}",
                    "event_type": "content.remove",
                    "case_id": case_id,
                    "body": "{}",
                    "status": "delivered",
                    "created_at": long_ago,
                    "next_attempt_at": long_ago,
                    "delivered_at": long_ago,
                }
                for case_id in ids
            ],
        ),
        (
            NcmecFiling,
            [
                {
                    "id": f"ncm_{case_id}",
                    "case_id": case_id,
                    "environment": "test",
                    "state": "finished",
                    "requested_by": "system",
                    "updated_at": long_ago,
                    **finished,
                }
                for case_id in ids
            ],
        ),
        (
            QualityCheck,
            [
                {
                    "id": f"qc_{case_id}",
                    "case_id": case_id,
                    "decision_id": f"dec_{case_id}",
                    "decided_by": decided_by,
                    "decided_outcome": "violating",
                    "decided_category": "terms_violation",
                    "sampled_at": long_ago,
                    "status": "checked",
                    "checked_by": decided_by,
                    "checked_at": long_ago,
                    "outcome": "violating",
                    "agrees": True,
                }
                for case_id in ids
            ],
        ),
        (
            CopySearch,
            [
                {
                    "case_id": case_id,
                    "decision_id": f"dec_{case_id}",
                    "status": "done",
                    "signals": [],
                    "pdq_threshold": 31,
                    "last_item_id": 0,
                    "target_set_at": long_ago,
                    "lease_until": long_ago,
                    **finished,
                }
                for case_id in ids
            ],
        ),
        (
            AccountSweep,
            [
                {
                    "account_id": f"acct-{case_id}",
                    "case_id": case_id,
                    "category": "terms_violation",
                    "requested_by": "system:enforcement",
                    "max_uploads": 100,
                    "status": "done",
                    **finished,
                }
                for case_id in ids
            ],
        ),
        (
            LookbackSearch,
            [
                {
                    "changes_after": n,
                    "changes_to": n + 1,
                    "entries": 1,
                    "position": 0,
                    "ledger_end": 0,
                    "status": "done",
                    **finished,
                }
                for n in range(len(ids))
            ],
        ),
        (
            ContentItem,
            [
                {
                    "scan_id": f"scan_{case_id}",
                    "content_id": f"content-{case_id}",
                    "media_type": "image",
                    "size_bytes": 1,
                    "verdict": "allow",
                    "scanned_at": long_ago,
                }
                for case_id in ids
            ],
        ),
        (
            StatementRecord,
            [
                {
                    "id": f"sor_{case_id}",
                    "case_id": case_id,
                    "restriction": "content.remove",
                    "body": {},
                    "created_at": long_ago,
                    "status": "submitted",
                }
                for case_id in ids
            ],
        ),
    ]
    with session_scope(settings.resolved_database_url) as db_session:
        for model, values in rows:
            db_session.execute(insert(model), values)
        clock.advance(long_ago - clock.now())
        try:
            for case_id in ids:  # the reviewer looked at each case's original
                record(
                    db_session=db_session,
                    actor=f"user:{decided_by}",
                    action=REVEALED,
                    subject=case_id,
                )
        finally:
            clock.reset()
