"""Rule: a refused decision (422) shows the case page again with everything the reviewer typed in
the form they sent: outcome, policy, classification, reason and why a child is at immediate risk,
so a resubmission cannot silently lose the escalation. The same for appeal decisions (and the
quality check's form: test_only_child_safety_reviewers_find_child_abuse_in_a_quality_check)."""

from __future__ import annotations

import re

from tests.review_support import case_of_report, console, make_user, report, staff_headers

RISK = "they arranged to meet the child on Friday"


def test_a_refused_decision_keeps_what_the_reviewer_typed(app, client, settings):  # type: ignore[no-untyped-def]
    make_user(settings, "cs-1", "child_safety_reviewer")
    case_id = case_of_report(client, settings, report(client, content_id="p-typed")["report_id"])
    browser = console(app, "cs-1")
    browser.get(f"/console/cases/{case_id}")
    refused = browser.decide(
        case_id,
        "violating",
        policy="child_sexual_abuse_material",
        reason="typed reason",
        immediate_risk=RISK,
    )
    assert refused.status_code == 422 and "classification" in refused.text
    form = refused.text.split('id="decision-form"')[1].split("</form>")[0]
    assert re.search(r'value="violating" id="outcome-violating" required checked', form)
    assert '<option value="child_sexual_abuse_material" selected>' in form
    assert ">typed reason</textarea>" in form
    assert f">{RISK}</textarea>" in form


def test_a_refused_appeal_decision_keeps_what_the_reviewer_typed(app, client, settings):  # type: ignore[no-untyped-def]
    make_user(settings, "rev-1", "reviewer")
    make_user(settings, "rev-2", "reviewer")
    filed = report(client, category="terms_violation", content_id="p-appeal-typed")
    case_id = case_of_report(client, settings, filed["report_id"])
    decided = client.post(
        f"/v1/cases/{case_id}/decisions",
        json={"outcome": "violating", "policy": "terms_of_service", "reason": "spam"},
        headers=staff_headers(client, settings, "rev-1"),
    )
    assert decided.status_code == 201, decided.text
    appealed = client.post(
        f"/v1/cases/{case_id}/appeals",
        json={"reason": "it was not spam"},
        headers=staff_headers(client, settings, "rev-1"),
    )
    assert appealed.status_code == 201, appealed.text
    appeal_id = appealed.json()["appeal_id"]
    browser = console(app, "rev-2")
    refused = browser.post(
        f"/console/appeals/{appeal_id}/decisions",
        {"outcome": "overturned", "classification": "A1", "reason": "typed appeal reason"},
    )
    assert refused.status_code == 422
    form = refused.text.split(f'action="/console/appeals/{appeal_id}/decisions"')[1]
    form = form.split("</form>")[0]
    assert 'value="overturned" checked' in form
    assert '<option value="A1" selected>' in form
    assert ">typed appeal reason</textarea>" in form
