"""Rule: a refused decision says which field is wrong, to a screen reader too (WCAG 3.3.1,
1.3.1). The page starts at its error summary (focused, as the public form's), the field the
refusal is about is aria-invalid and described by the error said beside it, and the
classification and immediate-risk hints describe their fields. The same for an appeal decision
and for a blind quality check."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from takedown.api.app import create_app
from tests.review_support import (
    benign_image,
    case_of_report,
    console,
    make_user,
    report,
    staff_headers,
)


def _tag(html: str, element_id: str) -> str:
    found = re.search(rf'<(?:select|textarea|input|fieldset)[^>]*\bid="{element_id}"[^>]*>', html)
    assert found is not None, element_id
    return found.group(0)


def _described_by(tag: str) -> list[str]:
    found = re.search(r'aria-describedby="([^"]+)"', tag)
    return found.group(1).split() if found else []


def _starts_at_the_error_summary(html: str) -> None:
    assert re.search(r'class="error-summary" role="alert" id="error-summary" tabindex="-1"', html)
    assert '<script src="/static/error-summary.js" defer></script>' in html


def test_a_refused_decision_points_at_its_field(app, client, settings):  # type: ignore[no-untyped-def]
    make_user(settings, "cs-1", "child_safety_reviewer")
    case_id = case_of_report(client, settings, report(client, content_id="p-field")["report_id"])
    browser = console(app, "cs-1")
    fresh = browser.get(f"/console/cases/{case_id}").text
    # Hints describe their fields before anything is refused; nothing is marked invalid.
    assert _described_by(_tag(fresh, "classification")) == ["classification-hint"]
    assert _described_by(_tag(fresh, "immediate-risk")) == ["immediate-risk-hint"]
    assert 'id="classification-hint"' in fresh and 'id="immediate-risk-hint"' in fresh
    assert "aria-invalid" not in fresh and "error-summary.js" not in fresh

    refused = browser.decide(
        case_id, "violating", policy="child_sexual_abuse_material", reason="typed reason"
    )
    assert refused.status_code == 422
    page = refused.text
    _starts_at_the_error_summary(page)
    classification = _tag(page, "classification")
    assert 'aria-invalid="true"' in classification
    assert _described_by(classification) == ["classification-hint", "decision-error"]
    said = re.search(r'<span class="error-message" id="decision-error">([^<]+)</span>', page)
    assert said is not None and "classification" in said.group(1)
    for other in ("policy", "immediate-risk", "reason"):
        assert "aria-invalid" not in _tag(page, other), other

    no_policy = browser.decide(case_id, "violating", reason="typed reason")
    assert no_policy.status_code == 422
    policy = _tag(no_policy.text, "policy")
    assert 'aria-invalid="true"' in policy and _described_by(policy) == ["decision-error"]
    assert "aria-invalid" not in _tag(no_policy.text, "classification")


def test_a_refused_appeal_decision_points_at_its_field(app, client, settings):  # type: ignore[no-untyped-def]
    make_user(settings, "rev-1", "reviewer")
    make_user(settings, "rev-2", "reviewer")
    filed = report(client, category="terms_violation", content_id="p-appeal-field")
    case_id = case_of_report(client, settings, filed["report_id"])
    rev_1 = staff_headers(client, settings, "rev-1")
    decided = client.post(
        f"/v1/cases/{case_id}/decisions",
        json={"outcome": "violating", "policy": "terms_of_service", "reason": "spam"},
        headers=rev_1,
    )
    assert decided.status_code == 201, decided.text
    appealed = client.post(
        f"/v1/cases/{case_id}/appeals", json={"reason": "it was not spam"}, headers=rev_1
    )
    assert appealed.status_code == 201, appealed.text
    appeal_id = appealed.json()["appeal_id"]
    refused = console(app, "rev-2").post(
        f"/console/appeals/{appeal_id}/decisions", {"outcome": "upheld", "reason": " "}
    )
    assert refused.status_code == 422
    _starts_at_the_error_summary(refused.text)
    reason = _tag(refused.text, f"appeal-reason-{appeal_id}")
    assert 'aria-invalid="true"' in reason
    assert _described_by(reason) == [f"appeal-{appeal_id}-error"]
    assert f'id="appeal-{appeal_id}-error"' in refused.text


def test_a_refused_quality_check_points_at_its_field(settings):  # type: ignore[no-untyped-def]
    settings = settings.model_copy(update={"quality_sample_percent": 100})
    app = create_app(settings)
    make_user(settings, "alice", "child_safety_reviewer")
    make_user(settings, "bob", "child_safety_reviewer")
    with TestClient(app) as client:
        filed = report(client, category="terms_violation", image=benign_image())
        case_id = case_of_report(client, settings, filed["report_id"])
        decided = client.post(
            f"/v1/cases/{case_id}/decisions",
            json={"outcome": "no_violation", "reason": "fine"},
            headers=staff_headers(client, settings, "alice"),
        )
        assert decided.status_code == 201, decided.text
        bob_api = staff_headers(client, settings, "bob")
        check_id = client.get("/v1/quality", headers=bob_api).json()["waiting"][0]["check_id"]
        bob = console(app, "bob")
        fresh = bob.get(f"/console/quality/{check_id}").text
        assert _described_by(_tag(fresh, "classification")) == ["classification-hint"]

        refused = bob.post(
            f"/console/quality/{check_id}",
            {"outcome": "violating", "policy": "child_sexual_abuse_material", "reason": "x"},
        )
        assert refused.status_code == 422
        _starts_at_the_error_summary(refused.text)
        classification = _tag(refused.text, "classification")
        assert 'aria-invalid="true"' in classification
        assert _described_by(classification) == ["classification-hint", "check-error"]
        assert 'id="check-error"' in refused.text
