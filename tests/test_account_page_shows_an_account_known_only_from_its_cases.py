"""Rule: the account page opens for any account a case names, even one with no account row (no
strike, no flag) and no scanned upload (a report that named the uploader): its cases are listed
and it has no strikes. An account nothing names is still 404."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from takedown.settings import Settings
from tests.review_support import case_of_report, console, make_user, report, staff_headers


def test_the_account_page_of_an_account_named_only_by_a_case_lists_its_cases(
    client: TestClient, app: Any, settings: Settings
) -> None:
    ack = report(client, category="terms_violation", account_id="uploader-without-uploads")
    case_id = case_of_report(client, settings, ack["report_id"])
    make_user(settings, "rev-1", "reviewer")
    browser = console(app, "rev-1")
    case_page = browser.get(f"/console/cases/{case_id}")
    assert "/console/accounts/uploader-without-uploads" in case_page.text

    page = browser.get("/console/accounts/uploader-without-uploads")

    assert page.status_code == 200, page.text
    assert case_id in page.text
    assert '<dd id="strike-count">0</dd>' in page.text
    api = client.get(
        "/v1/accounts/uploader-without-uploads", headers=staff_headers(client, settings, "rev-1")
    )
    assert api.status_code == 200, api.text
    assert [c["case_id"] for c in api.json()["cases"]] == [case_id]
    assert api.json()["strike_count"] == 0
    assert browser.get("/console/accounts/nobody-names-this").status_code == 404
