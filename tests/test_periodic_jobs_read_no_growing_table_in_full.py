"""Rule: the periodic jobs read no growing table in full. They run every few seconds for as long
as the server runs, over tables that only grow (cases, reports, accounts, webhook events, filings,
the ledger), so each of their statements must reach its rows through an index: a job that read
every closed case ever (the media cleanup did: 0.6 s a minute at 300,000 closed cases) gets
slower every day.

Checked on SQLite as a deployment runs it: without statistics (nothing runs ANALYZE), where the
plans do not depend on how many rows there are, so a small database shows the plan a large one
gets. Every statement of two rounds of every job, with work due, goes through EXPLAIN QUERY PLAN.
(PostgreSQL plans by statistics; bench/ measures it at scale.)"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from takedown import clock
from takedown.api.app import create_app
from takedown.jobs.runner import JobRunner, all_jobs
from tests.enforcement_support import decide_violating, moving_clock, report_with_media
from tests.media import generated_scene, jpeg
from tests.review_support import report

# Tables that hold configuration, not traffic: a handful of rows however busy the platform is.
SMALL_TABLES = frozenset(
    {"banks", "bank_exchanges", "users", "api_keys", "staff_invites", "job_cursors", "job_leases"}
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


@pytest.mark.usefixtures(moving_clock.__name__)
def test_periodic_jobs_read_no_growing_table_in_full(database_url, settings, make_api_key):  # type: ignore[no-untyped-def]
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL plans by statistics: bench/ measures its plans at scale")
    settings = settings.model_copy(update={"platform_webhook_url": "http://127.0.0.1:9/hook"})
    app = create_app(settings)
    platform = {"Authorization": f"Bearer {make_api_key('scan')}"}
    picture = jpeg(generated_scene(81))

    def upload(content_id: str) -> str:
        scanned = client.post(
            "/v1/scan",
            data={"content_id": content_id, "account_id": "a"},
            files={"file": ("upload.jpg", picture, "image/jpeg")},
            headers=platform,
        )
        assert scanned.status_code == 200, scanned.text
        return str(scanned.json()["verdict"])

    with TestClient(app) as client:
        assert upload("p1-copy") == "allow"  # a copy, live before the picture is confirmed
        csam = report_with_media(client, picture, content_id="p1", account_id="a")
        decide_violating(
            client,
            settings,
            csam["case_id"],
            username="r1",
            classification="A1",
            search_copies=False,
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
        clock.advance(timedelta(days=3))  # deadlines pass, retries come due
        with statements_run() as statements:
            JobRunner(settings, all_jobs(app)).run_due()
            assert upload("p1-again") == "block"  # banked by the decision: a case for it
            clock.advance(timedelta(minutes=5))
            JobRunner(settings, all_jobs(app)).run_due()
    assert len(statements) > 50, "the jobs did not run"
    path = database_url.removeprefix("sqlite:///")
    found = full_reads(path, statements)
    assert not found, "\n".join(found)
