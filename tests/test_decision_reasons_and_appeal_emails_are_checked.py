"""Rule: a decision's reason has at most 10,000 characters (a note has 5,000): a longer one is
refused with the limit and nothing is recorded, through the staff API and the console alike. The
email an uploader's appeal gives for the outcome is checked as the report form checks one."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from takedown.settings import Settings
from tests.review_support import case_of_report, console, make_user, report, staff_headers


def _terms_case(client: TestClient, settings: Settings, url: str) -> str:
    ack = report(client, category="terms_violation", content_url=url)
    return case_of_report(client, settings, ack["report_id"])


def test_a_decision_reason_over_ten_thousand_characters_is_refused(
    client: TestClient, app: Any, settings: Settings
) -> None:
    make_user(settings, "rev-1", "reviewer")
    headers = staff_headers(client, settings, "rev-1")
    case_id = _terms_case(client, settings, "https://platform.example/p/long")
    decisions = f"/v1/cases/{case_id}/decisions"

    by_api = client.post(
        decisions, json={"outcome": "no_violation", "reason": "x" * 10_001}, headers=headers
    )
    assert by_api.status_code == 422, by_api.text
    assert "10000 characters" in by_api.json()["detail"]
    by_console = console(app, "rev-1").decide(case_id, "no_violation", reason="y" * 900_000)
    assert by_console.status_code == 422
    assert "at most 10,000" in by_console.text

    assert client.get(f"/v1/cases/{case_id}", headers=headers).json()["decisions"] == []
    fits = client.post(
        decisions, json={"outcome": "no_violation", "reason": "z" * 10_000}, headers=headers
    )
    assert fits.status_code == 201, fits.text


def test_an_uploader_appeal_email_that_is_not_an_address_is_refused(
    client: TestClient, app: Any, settings: Settings
) -> None:
    make_user(settings, "rev-1", "reviewer")
    headers = staff_headers(client, settings, "rev-1")
    case_id = _terms_case(client, settings, "https://platform.example/p/removed")
    removed = client.post(
        f"/v1/cases/{case_id}/decisions",
        json={"outcome": "violating", "policy": "terms_of_service", "reason": "spam"},
        headers=headers,
    )
    assert removed.status_code == 201, removed.text
    appeals = f"/v1/cases/{case_id}/appeals"

    by_api = client.post(
        appeals, json={"reason": "it was mine", "contact_email": "not-an-email"}, headers=headers
    )
    assert by_api.status_code == 422 and by_api.json()["code"] == "invalid_email"
    browser = console(app, "rev-1")
    by_console = browser.post(
        f"/console/cases/{case_id}/appeals",
        {"reason": "it was mine", "contact_email": "not-an-email"},
    )
    assert by_console.status_code == 422
    assert "not an email address" in by_console.text

    taken = client.post(
        appeals,
        json={"reason": "it was mine", "contact_email": "Uploader@Example.org"},
        headers=headers,
    )
    assert taken.status_code == 201, taken.text
