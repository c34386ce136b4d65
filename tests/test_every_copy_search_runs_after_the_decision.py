"""Rule: a violating decision answers without searching the content ledger; the copy-search job
(every server runs it) then finds every copy in batches of ledger rows, each batch committed on
its own, so a crash resumes where it stopped and two workers never remove a copy twice; uploads
scanned just after the decision are searched too; an overturned decision cancels its search."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from takedown import clock
from takedown.api.app import create_app
from takedown.enforcement import copy_search
from tests.enforcement_support import (
    case_enforcement,
    decide_violating,
    removal_orders,
    report_with_media,
    scan,
)
from tests.media import altered_copy, jpeg, stand_in
from tests.metrics_support import metrics_text
from tests.review_support import console, make_user, staff_headers


@pytest.fixture(autouse=True)
def _clock_put_back():  # type: ignore[no-untyped-def]
    clock.reset()
    yield
    clock.reset()


def _metric(client: TestClient, name: str) -> float:
    for line in metrics_text(client).splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def _reported_with_copies(client: TestClient, settings, key: str, copies: int) -> dict:  # type: ignore[no-untyped-def]
    make_user(settings, "viewer", "child_safety_reviewer")
    original = jpeg(stand_in("rocket"))
    for n in range(copies):
        scan(client, key, altered_copy(stand_in("rocket")), f"copy-{n}", f"acct-{n}")
    scan(client, key, jpeg(stand_in("coffee")), "unrelated", "acct-x")
    scan(client, key, original, "orig", "acct-u")
    return report_with_media(
        client,
        original,
        content_id="orig",
        account_id="acct-u",
        category="non_consensual_intimate_imagery",
    )


def test_decision_answers_before_the_ledger_is_searched(settings, make_api_key):  # type: ignore[no-untyped-def]
    key = make_api_key("scan")
    with TestClient(create_app(settings)) as client:
        filed = _reported_with_copies(client, settings, key, copies=2)
        decide_violating(client, settings, filed["case_id"], policy="ncii", search_copies=False)

        page = case_enforcement(client, settings, filed["case_id"])
        assert [i["content_id"] for i in page["items"]] == ["orig"]
        assert page["copy_search"]["status"] == "pending"
        assert page["copy_search"]["ledger_rows_searched"] == 0
        assert page["copy_search"]["ledger_rows"] == 4
        assert sorted(removal_orders(settings)) == ["orig"]

        reviewer = console(client.app, "viewer")
        shown = reviewer.get(f"/console/cases/{filed['case_id']}").text
        assert "Searching: 0 of 4 scanned uploads so far, 0 copies taken down." in shown

        removed_before = _metric(client, "takedown_copies_removed_total")
        assert copy_search.run_due(settings) == 2
        assert _metric(client, "takedown_copies_removed_total") == removed_before + 2
        assert _metric(client, 'takedown_copy_searches{status="pending"}') == 1
        page = case_enforcement(client, settings, filed["case_id"])
        assert sorted(i["content_id"] for i in page["items"]) == ["copy-0", "copy-1", "orig"]
        assert page["copy_search"]["copies_removed"] == 2
        assert sorted(removal_orders(settings)) == ["copy-0", "copy-1", "orig"]

        # The search ends only once uploads scanned before the new bank entries reached every
        # server have been searched too: one scanned right after the decision is found.
        scan(client, key, altered_copy(stand_in("rocket")), "copy-late", "acct-late")
        assert copy_search.run_due(settings) == 0
        assert case_enforcement(client, settings, filed["case_id"])["copy_search"]["status"] == (
            "pending"
        )
        clock.advance(copy_search.COVER + timedelta(seconds=1))
        assert copy_search.run_due(settings) == 1
        page = case_enforcement(client, settings, filed["case_id"])
        assert page["copy_search"]["status"] == "done"
        assert page["copy_search"]["copies_removed"] == 3
        shown = reviewer.get(f"/console/cases/{filed['case_id']}").text
        assert "Search finished: 3 copies taken down among 5 scanned uploads." in shown
        assert sorted(removal_orders(settings)) == ["copy-0", "copy-1", "copy-late", "orig"]


def test_search_resumes_batch_by_batch_after_a_crash(  # type: ignore[no-untyped-def]
    settings, make_api_key, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(copy_search, "BATCH_ITEMS", 2)
    monkeypatch.setattr(copy_search, "RUN_SECONDS", 0.0)  # one batch a run
    key = make_api_key("scan")
    with TestClient(create_app(settings)) as client:
        filed = _reported_with_copies(client, settings, key, copies=4)
        decide_violating(client, settings, filed["case_id"], policy="ncii", search_copies=False)

        assert copy_search.run_due(settings) == 2  # ledger rows 1-2: copy-0, copy-1
        # A worker claims the search and dies before its batch: nobody else takes it until the
        # lease has passed; then the search goes on from its cursor.
        assert copy_search._claim(settings) is not None
        assert copy_search.run_due(settings) == 0
        clock.advance(copy_search.LEASE + timedelta(seconds=1))
        assert copy_search.run_due(settings) == 2  # rows 3-4: copy-2, copy-3
        assert copy_search.run_due(settings) == 0  # rows 5-6: unrelated, orig (already removed)
        assert sorted(removal_orders(settings)) == ["copy-0", "copy-1", "copy-2", "copy-3", "orig"]


def test_two_workers_never_remove_a_copy_twice(  # type: ignore[no-untyped-def]
    settings, make_api_key, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(copy_search, "BATCH_ITEMS", 1)
    monkeypatch.setattr(copy_search, "LEASE", timedelta(0))  # both may hold the search at once
    key = make_api_key("scan")
    with TestClient(create_app(settings)) as client:
        filed = _reported_with_copies(client, settings, key, copies=6)
        decide_violating(client, settings, filed["case_id"], policy="ncii", search_copies=False)
    removed: list[int] = []
    workers = [
        threading.Thread(target=lambda: removed.append(copy_search.run_due(settings)))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sum(removed) == 6
    assert sorted(removal_orders(settings)) == sorted([*(f"copy-{n}" for n in range(6)), "orig"])


def test_overturned_decision_cancels_its_search(settings, make_api_key):  # type: ignore[no-untyped-def]
    scan_key, report_key = make_api_key("scan"), make_api_key("report")
    with TestClient(create_app(settings)) as client:
        filed = _reported_with_copies(client, settings, scan_key, copies=2)
        decide_violating(client, settings, filed["case_id"], policy="ncii", search_copies=False)
        appeal = client.post(
            "/v1/uploader-appeals",
            json={"case_id": filed["case_id"], "reason": "this is not what you think"},
            headers={"Authorization": f"Bearer {report_key}"},
        )
        assert appeal.status_code == 201, appeal.text
        make_user(settings, "second", "child_safety_reviewer")
        decided = client.post(
            f"/v1/appeals/{appeal.json()['appeal_id']}/decisions",
            json={"outcome": "overturned", "reason": "a mistake"},
            headers=staff_headers(client, settings, "second"),
        )
        assert decided.status_code == 201, decided.text

        assert copy_search.run_due(settings) == 0
        assert sorted(removal_orders(settings)) == ["orig"]
        assert case_enforcement(client, settings, filed["case_id"])["copy_search"]["status"] == (
            "cancelled"
        )
