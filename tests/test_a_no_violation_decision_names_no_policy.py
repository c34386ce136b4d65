"""Rule: a "no violation" decision breaks no policy, so none is stored with it, whatever policy
the form or the request had selected (API and console alike); the Decisions table, the staff API
and the platform's webhook read "no violation" alone."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from takedown.settings import Settings
from tests.review_support import case_of_report, console, make_user, report, staff_headers


def test_a_no_violation_decision_is_stored_without_the_policy_selected(
    client: TestClient, app: Any, settings: Settings
) -> None:
    make_user(settings, "rev-1", "reviewer")
    headers = staff_headers(client, settings, "rev-1")
    by_api = case_of_report(
        client, settings, report(client, category="terms_violation")["report_id"]
    )
    by_console = case_of_report(
        client,
        settings,
        report(client, category="terms_violation", content_url="https://platform.example/p/2")[
            "report_id"
        ],
    )

    answer = client.post(
        f"/v1/cases/{by_api}/decisions",
        json={"outcome": "no_violation", "policy": "terms_of_service", "reason": "allowed"},
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["decision"]["policy"] == ""
    browser = console(app, "rev-1")
    decided = browser.decide(by_console, "no_violation", policy="terms_of_service")
    assert decided.status_code == 303, decided.text

    for case_id in (by_api, by_console):
        case = client.get(f"/v1/cases/{case_id}", headers=headers).json()
        assert [(d["outcome"], d["policy"]) for d in case["decisions"]] == [("no_violation", "")]
        page = browser.get(f"/console/cases/{case_id}").text
        decisions = page[page.index('class="decision"') :].split("</tr>")[0]
        assert "terms_of_service" not in decisions
