"""Rule: a report never joins a case that a decision closed while the report was being filed.
Decisions do not wait for the intake lock, so on PostgreSQL a decision can close the case a
report has just found open. The report must not land, unseen, in a case already decided ("no
violation" on what its reporter sent): intake locks the case it found, checks it is still open,
and otherwise searches again, opening a new case for review."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from takedown.cases import media as case_media
from tests.media import altered_copy, jpeg, stand_in
from tests.review_support import make_user, report, staff_headers

WAIT_SECONDS = 30


def test_a_report_never_joins_a_case_decided_while_it_was_filed(
    database_url, client, settings, monkeypatch
):  # type: ignore[no-untyped-def]
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite intake holds the database's write lock: no decision can run meanwhile")
    make_user(settings, "rev-1", "reviewer")
    first = report(client, category="terms_violation", image=jpeg(stand_in("chelsea")))

    found_open_case = threading.Event()
    case_decided = threading.Event()
    search = case_media.find_case_by_media

    def search_then_wait_for_the_decision(**arguments: Any) -> Any:
        case = search(**arguments)
        if case is not None and not found_open_case.is_set():
            found_open_case.set()
            assert case_decided.wait(WAIT_SECONDS)
        return case

    monkeypatch.setattr(case_media, "find_case_by_media", search_then_wait_for_the_decision)
    filed: dict[str, Any] = {}

    def file_copy() -> None:
        filed.update(
            report(
                client,
                category="terms_violation",
                image=altered_copy(stand_in("chelsea")),
                content_url="https://platform.example/p/copy",
            )
        )

    copy_reporter = threading.Thread(target=file_copy)
    copy_reporter.start()
    try:
        assert found_open_case.wait(WAIT_SECONDS), "the copy's report did not find the case"
        decided = client.post(
            f"/v1/cases/{first['case_id']}/decisions",
            json={"outcome": "no_violation", "reason": "allowed", "policy": "terms_of_service"},
            headers=staff_headers(client, settings, "rev-1"),
        )
        assert decided.status_code == 201, decided.text
    finally:
        case_decided.set()
        copy_reporter.join(WAIT_SECONDS)
    assert filed, "the copy's report was not stored"

    staff = staff_headers(client, settings, "rev-1")
    decided_case = client.get(f"/v1/cases/{first['case_id']}", headers=staff).json()
    assert decided_case["status"] == "no_action"
    assert decided_case["report_count"] == 1
    assert filed["case_id"] != first["case_id"]
    new_case = client.get(f"/v1/cases/{filed['case_id']}", headers=staff).json()
    assert new_case["status"] == "open"
    assert new_case["report_count"] == 1
