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

from sqlalchemy import event, insert
from sqlalchemy.engine import Engine

from takedown import clock
from takedown.accounts.models import Account
from takedown.cases.models import Case, CaseMedia
from takedown.evidence.models import MediaCleanup
from takedown.reports.models import Report
from takedown.settings import Settings
from takedown.store.db import dispose, session_scope

HISTORY_CASES = 3000


def history_case_ids(cases: int = HISTORY_CASES) -> list[str]:
    return [f"case_history_{n:06d}" for n in range(cases)]


@contextmanager
def sqlite_work() -> Iterator[list[int]]:
    """How often SQLite's progress handler ran meanwhile, at its finest setting: about once for
    every loop step of the virtual machine (a row visited), so the same on every run, unlike a
    time, and it grows with the rows a statement reads."""
    steps = [0]
    counting: list[Any] = []

    def tick() -> int:
        steps[0] += 1
        return 0  # go on

    def start(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        plain = conn.connection.dbapi_connection
        if conn.dialect.name == "sqlite" and all(plain is not seen for seen in counting):
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
