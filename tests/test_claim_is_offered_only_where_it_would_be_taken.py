"""Rule: the console offers "Claim" only where the claim would be taken. While another reviewer
holds a live claim (409 `claimed_by_other`) and to the reviewer whose decision sent a case to
second review (403 `two_person_rule`), there is no Claim button, and the page says why."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from takedown.settings import Settings
from tests.review_support import case_of_report, console, make_user, report

CLAIM_FORM = 'action="/console/cases/{}/claim"'


def test_no_claim_button_while_another_reviewer_holds_the_claim(
    client: TestClient, app: Any, settings: Settings
) -> None:
    make_user(settings, "rev-1", "reviewer")
    make_user(settings, "rev-2", "reviewer")
    case_id = case_of_report(
        client, settings, report(client, category="terms_violation")["report_id"]
    )
    first, second = console(app, "rev-1"), console(app, "rev-2")
    assert CLAIM_FORM.format(case_id) in second.get(f"/console/cases/{case_id}").text

    assert first.post(f"/console/cases/{case_id}/claim").status_code == 303

    page = second.get(f"/console/cases/{case_id}").text
    assert CLAIM_FORM.format(case_id) not in page
    assert 'id="claim-held"' in page and "claimed by rev-1" in page
    assert CLAIM_FORM.format(case_id) not in second.get("/console/queue?queue=all").text
    assert second.post(f"/console/cases/{case_id}/claim").status_code == 409  # as the page says


def test_no_claim_button_for_the_first_reviewer_of_a_second_review(
    client: TestClient, app: Any, settings: Settings
) -> None:
    make_user(settings, "cs-1", "child_safety_reviewer")
    make_user(settings, "cs-2", "child_safety_reviewer")
    case_id = case_of_report(client, settings, report(client)["report_id"])
    first = console(app, "cs-1")
    assert first.decide(case_id, "no_violation").status_code == 303  # now in second review

    page = first.get(f"/console/cases/{case_id}").text
    assert CLAIM_FORM.format(case_id) not in page
    assert 'id="claim-first-look"' in page
    for queue in ("open", "all"):
        listed = first.get(f"/console/queue?queue={queue}").text
        assert CLAIM_FORM.format(case_id) not in listed, queue
    assert "yours was the first decision" in listed  # the all queue lists it, saying why
    assert first.post(f"/console/cases/{case_id}/claim").status_code == 403  # as the page says
    second = console(app, "cs-2")
    assert CLAIM_FORM.format(case_id) in second.get(f"/console/cases/{case_id}").text
    assert CLAIM_FORM.format(case_id) in second.get("/console/queue?queue=all").text
