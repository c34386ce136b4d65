"""Rule: choosing "nobody" in the case page's "Assigned to" control says the case was unassigned,
not that it waits in a reviewer's "mine" queue."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from takedown.settings import Settings
from tests.review_support import case_of_report, console, make_user, report


def test_unassigning_says_the_case_was_unassigned(
    client: TestClient, app: Any, settings: Settings
) -> None:
    make_user(settings, "lead", "admin")
    make_user(settings, "ana", "reviewer")
    case_id = case_of_report(
        client, settings, report(client, category="terms_violation")["report_id"]
    )
    browser = console(app, "lead")
    assignment = f"/console/cases/{case_id}/assignment"

    assigned = browser.post(assignment, {"username": "ana"})
    page = browser.get(assigned.headers["location"]).text
    assert "waits in the reviewer&#39;s &#39;mine&#39; queue" in page

    unassigned = browser.post(assignment, {"username": ""})

    assert unassigned.status_code == 303
    page = browser.get(unassigned.headers["location"]).text
    assert "Unassigned" in page
    assert "waits in the reviewer" not in page
