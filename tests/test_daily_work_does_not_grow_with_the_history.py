"""Rule: what a platform, a reporter and a reviewer do all day costs the same however long the
history behind it: an upload scanned, a report filed by address and one with the picture, the
reporter's tracking page, a reviewer's decision that removes the content, bans its hash and
queues its CyberTipline report. The history only grows; a step that reads it in full (the
ledger, every case about an account, every decision) gets slower every day, and a report must
be acknowledged at once.

Measured as the periodic jobs are (tests/history_support.py): SQLite's work for the same steps
on a copy of the database that also holds 3,000 closed cases with everything they left behind
(decisions, removed items, appeals, events, filings, scans, statements), must not grow."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from takedown.api.app import create_app
from takedown.settings import Settings
from tests.enforcement_support import decide_violating, report_with_media, scan
from tests.history_support import (
    add_history,
    add_pipeline_history,
    assert_work_did_not_grow,
    database_copy,
    history_databases,
    sqlite_work,
)
from tests.media import generated_scene, jpeg
from tests.review_support import make_user, report, user_id_of


def a_day_of_work(client: TestClient, settings: Settings, scan_key: str) -> dict[str, Any]:
    assert scan(client, scan_key, jpeg(generated_scene(41)), "upload-41", "acct-41")
    by_address = report(client, content_url="https://platform.example/p/reported-41")
    with_picture = report_with_media(
        client, jpeg(generated_scene(42)), content_id="post-42", account_id="acct-42"
    )
    tracking = client.get(f"/track/{with_picture['tracking_token']}")
    assert tracking.status_code == 200
    # The copy search after it is a job, held to its own rule (it reads the ledger in batches
    # by design: a copy may have been uploaded at any time).
    decided = decide_violating(
        client,
        settings,
        with_picture["case_id"],
        username="csr-2",
        classification="A1",
        search_copies=False,
    )
    return {"by_address": by_address["case_id"], "decided": decided["case"]["outcome"]}


def test_daily_work_does_not_grow_with_the_history(  # type: ignore[no-untyped-def]
    database_url, settings, make_api_key, tmp_path
):
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL plans by statistics: bench/ measures it at scale")
    scan_key = make_api_key("scan")
    make_user(settings, "csr-1", "child_safety_reviewer")
    with TestClient(create_app(settings)):
        pass  # migrated, data folder made
    with_history = database_copy(settings, tmp_path / "with-history")
    add_history(with_history)
    add_pipeline_history(with_history, decided_by=user_id_of(with_history, "csr-1"))

    work = {}
    for name, database in history_databases(settings, with_history, tmp_path / "reversed"):
        with TestClient(create_app(database)) as client, sqlite_work(database) as steps:
            done = a_day_of_work(client, database, scan_key)
        assert done["decided"] == "violating", done
        work[name] = steps[0]
    assert_work_did_not_grow(work)
