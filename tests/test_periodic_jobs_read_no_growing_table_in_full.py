"""Rules: the periodic jobs read no growing table in full, and their work does not grow with the
history. They run every few seconds for as long as the server runs, over tables that only grow
(cases, reports, media, accounts, webhook events, filings), so each of their statements must
reach its rows through an index, and through a range that holds the work due, not the past: a
job that read every closed case ever (the media cleanup did: 0.6 s a minute at 300,000 closed
cases) gets slower every day.

Checked on SQLite as a deployment runs it: without statistics (nothing runs ANALYZE), where the
plans do not depend on how many rows there are.
- Every statement of two rounds of every job, with work due, goes through EXPLAIN QUERY PLAN:
  none may scan a growing table or all of an index on one.
- The same two rounds run on a copy of the database that also holds a long history (closed
  cases with their reports, media and cleanups, accounts): the work SQLite did (its progress
  handler's count, about one a row visited) must not grow with it. An index range over every
  closed case is a SEARCH in the plan; only the work done shows it.
PostgreSQL plans by statistics; bench/ measures it at scale."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import event
from sqlalchemy.engine import Engine

from takedown import clock, metrics
from takedown.api.app import create_app
from takedown.jobs.runner import JobRunner, all_jobs
from takedown.settings import Settings
from tests.enforcement_support import decide_violating, moving_clock, report_with_media
from tests.history_support import (
    add_history,
    assert_work_did_not_grow,
    database_copy,
    history_databases,
    sqlite_work,
)
from tests.media import generated_scene, jpeg
from tests.review_support import report

# A receiver that refuses connections, with a secret: delivery runs (and retries) every round.
HOOK = {
    "platform_webhook_url": "http://127.0.0.1:9/hook",
    "platform_webhook_secret": SecretStr("whsec-jobs"),
}

# Tables that hold configuration, not traffic: a handful of rows however busy the platform is
# (bank_entry_counts: folded to one row a bank every minute; lost_links_requests: the requests
# waiting for the job that answers and deletes them every few seconds).
SMALL_TABLES = frozenset(
    {"banks", "bank_exchanges", "bank_entry_counts", "users", "api_keys", "staff_invites"}
    | {"job_cursors", "job_leases", "lost_links_requests"}
)
PLAN_SCAN = re.compile(r"^SCAN (\w+)")


@contextmanager
def statements_run() -> Iterator[dict[str, Any]]:
    """Every distinct SELECT, UPDATE and DELETE sent to SQLite meanwhile, with its parameters."""
    seen: dict[str, Any] = {}

    def remember(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if conn.dialect.name == "sqlite" and re.match(r"\s*(SELECT|UPDATE|DELETE|WITH)", statement):
            seen.setdefault(statement, parameters)

    event.listen(Engine, "before_cursor_execute", remember)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", remember)


def full_reads(database_path: str, statements: dict[str, Any]) -> list[str]:
    """The statements whose plan reads a growing table (or all of an index on one) in full."""
    found = []
    with sqlite3.connect(database_path) as plain:
        for statement, parameters in statements.items():
            if re.search(r"WHERE 0 = 1\s*$", statement):
                continue  # lock_on_sqlite: takes the write lock, reads nothing
            plan = plain.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
            for *_, detail in plan:
                scanned = PLAN_SCAN.match(detail)
                if scanned and scanned.group(1) not in SMALL_TABLES | {"CONSTANT"}:
                    found.append(f"{detail}\n    {' '.join(statement.split())[:300]}")
    return found


def work_due(settings: Settings, make_api_key: Callable[..., str]) -> Callable[[Any], None]:
    """Work for every job: a decided child-safety case with a copy live in the ledger, its
    webhook events and CyberTipline filing; a decided intimate-imagery case whose media is due
    for deletion; an open case past its deadline. Returns what happens between the two rounds:
    an upload of the banked picture, blocked, for which the next round opens a case."""
    platform = {"Authorization": f"Bearer {make_api_key('scan')}"}
    picture = jpeg(generated_scene(81))

    def upload(client: TestClient, content_id: str) -> str:
        scanned = client.post(
            "/v1/scan",
            data={"content_id": content_id, "account_id": "a"},
            files={"file": ("upload.jpg", picture, "image/jpeg")},
            headers=platform,
        )
        assert scanned.status_code == 200, scanned.text
        return str(scanned.json()["verdict"])

    with TestClient(create_app(settings)) as client:
        assert upload(client, "p1-copy") == "allow"  # live before the picture is confirmed
        csam = report_with_media(client, picture, content_id="p1", account_id="a")
        decide_violating(
            client, settings, csam["case_id"], "r1", classification="A1", search_copies=False
        )
        ncii = report_with_media(
            client,
            jpeg(generated_scene(82)),
            content_id="p2",
            account_id="a2",
            category="non_consensual_intimate_imagery",
        )
        decide_violating(client, settings, ncii["case_id"], username="r2", policy="ncii")
        report(client, category="terms_violation", content_url="https://platform.example/p/3")

    def between_rounds(client: TestClient) -> None:
        assert upload(client, "p1-again") == "block"  # banked by the decision

    return between_rounds


def two_rounds(settings: Settings, between_rounds: Callable[[Any], None]) -> None:
    """Every job twice, three days on (deadlines pass, retries come due), then five minutes."""
    app = create_app(settings)
    with TestClient(app) as client:
        clock.advance(timedelta(days=3))
        JobRunner(settings, all_jobs(app)).run_due()
        between_rounds(client)
        clock.advance(timedelta(minutes=5))
        JobRunner(settings, all_jobs(app)).run_due()


@pytest.fixture
def jobs_sqlite_only(database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL plans by statistics: bench/ measures its plans at scale")


@pytest.mark.usefixtures(moving_clock.__name__, jobs_sqlite_only.__name__)
def test_periodic_jobs_read_no_growing_table_in_full(settings, make_api_key):  # type: ignore[no-untyped-def]
    settings = settings.model_copy(update=HOOK)
    between_rounds = work_due(settings, make_api_key)
    with statements_run() as statements:
        two_rounds(settings, between_rounds)
    assert len(statements) > 50, "the jobs did not run"
    found = full_reads(settings.resolved_database_url.removeprefix("sqlite:///"), statements)
    assert not found, "\n".join(found)


@pytest.mark.usefixtures(moving_clock.__name__, jobs_sqlite_only.__name__)
def test_periodic_jobs_work_does_not_grow_with_the_history(
    settings, make_api_key, tmp_path, monkeypatch
):  # type: ignore[no-untyped-def]
    settings = settings.model_copy(update=HOOK)
    between_rounds = work_due(settings, make_api_key)
    with_history = database_copy(settings, tmp_path / "with-history")
    add_history(with_history)

    work = {}
    for name, database in history_databases(settings, with_history, tmp_path / "reversed"):
        clock.reset()
        monkeypatch.setattr(metrics, "_final_counts", {})  # each run counts final states
        with sqlite_work(database) as steps:
            two_rounds(database, between_rounds)
        work[name] = steps[0]
    assert_work_did_not_grow(work, floor=1000)
