"""Rule: a blind quality check follows the case page's rule. Only a child-safety reviewer makes a
child-safety finding there (the policies of child sexual abuse and exploitation and the industry
classification are not offered to others, and refused: 403 `child_safety_finding`); another
checker refers the case to child-safety review from the check page. A check that finds child
sexual abuse in a case that is not a child-safety case reaches child-safety reviewers (a referral),
never a plain reviewers' appeal that could only uphold "no violation"."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown.api.app import create_app
from takedown.audit.models import AuditEntry
from takedown.store.db import session_scope
from tests.review_support import case_of_report, console, make_user, report, staff_headers

REASON = "ordinary holiday photo"


def _sampled_case(client: TestClient, settings, headers, content_id: str) -> str:  # type: ignore[no-untyped-def]
    """A terms report decided "no violation" by `headers`, sampled: its case id."""
    filed = report(client, category="terms_violation", content_id=content_id)
    case_id = case_of_report(client, settings, filed["report_id"])
    decided = client.post(
        f"/v1/cases/{case_id}/decisions",
        json={"outcome": "no_violation", "reason": REASON},
        headers=headers,
    )
    assert decided.status_code == 201, decided.text
    waiting = client.get("/v1/quality", headers=headers).json()["waiting"]
    assert waiting == []  # not to the decider
    return case_id


def _check_of(client: TestClient, headers: dict[str, str], case_id: str) -> str:
    waiting = client.get("/v1/quality", headers=headers).json()["waiting"]
    return next(w["check_id"] for w in waiting if w["case_id"] == case_id)


def test_only_child_safety_reviewers_find_child_abuse_in_a_quality_check(settings):  # type: ignore[no-untyped-def]
    settings = settings.model_copy(update={"quality_sample_percent": 100})
    app = create_app(settings)
    for name, role in (("alice", "reviewer"), ("bob", "reviewer"), ("carol", "reviewer")):
        make_user(settings, name, role)
    make_user(settings, "cs-dana", "child_safety_reviewer")
    with TestClient(app) as client:
        alice, bob, carol, dana = (
            staff_headers(client, settings, n) for n in ("alice", "bob", "carol", "cs-dana")
        )
        case_id = _sampled_case(client, settings, alice, "qc-cs-1")
        check_id = _check_of(client, bob, case_id)

        # A plain checker is offered neither the child-safety policies nor the classification,
        # but the referral.
        bob_console = console(app, "bob")
        page = bob_console.get(f"/console/quality/{check_id}").text
        form = page.split('id="quality-form"')[1].split("</form>")[0]
        assert "child_sexual" not in form and 'id="classification"' not in form
        assert 'id="check-referral-form"' in page
        refused = bob_console.post(
            f"/console/quality/{check_id}",
            {
                "outcome": "violating",
                "policy": "child_sexual_abuse_material",
                "classification": "B1",
                "reason": "bob thinks it is abuse",
            },
        )
        assert refused.status_code == 403
        assert "refer the case to child-safety review" in refused.text
        assert "bob thinks it is abuse" in refused.text  # what bob typed is kept
        api = client.post(
            f"/v1/quality/{check_id}",
            json={
                "outcome": "violating",
                "policy": "child_sexual_abuse_material",
                "classification": "B1",
                "reason": "x",
            },
            headers=bob,
        )
        assert api.status_code == 403 and api.json()["code"] == "child_safety_finding"

        # A child-safety checker's finding reaches child-safety reviewers: a referral, not an
        # appeal in the plain reviewers' queue.
        checked = client.post(
            f"/v1/quality/{check_id}",
            json={
                "outcome": "violating",
                "policy": "child_sexual_abuse_material",
                "classification": "B1",
                "reason": "a child is shown",
            },
            headers=dana,
        ).json()
        assert checked["agrees"] is False and checked["appeal_id"] is None
        referred = checked["referred_case_id"]
        assert referred is not None
        new_case = client.get(f"/v1/cases/{referred}", headers=dana).json()
        assert new_case["is_child_safety"] and new_case["category"] == "child_sexual_abuse"
        assert client.get(f"/v1/cases/{referred}", headers=carol).status_code == 403
        appeals = client.get("/v1/cases?queue=appeals", headers=carol).json()
        assert case_id not in str(appeals)


def test_a_plain_checker_refers_from_the_blind_check_page(settings):  # type: ignore[no-untyped-def]
    settings = settings.model_copy(update={"quality_sample_percent": 100})
    app = create_app(settings)
    for name, role in (("alice", "reviewer"), ("bob", "reviewer")):
        make_user(settings, name, role)
    with TestClient(app) as client:
        alice, bob = (staff_headers(client, settings, n) for n in ("alice", "bob"))
        case_id = _sampled_case(client, settings, alice, "qc-cs-2")
        check_id = _check_of(client, bob, case_id)
        bob_console = console(app, "bob")
        empty = bob_console.post(
            f"/console/quality/{check_id}/referral",
            {"category": "child_sexual_abuse", "reason": " "},
        )
        assert empty.status_code == 422 and REASON not in empty.text  # still blind
        referred = bob_console.post(
            f"/console/quality/{check_id}/referral",
            {"category": "child_sexual_abuse", "subject_is_minor": "yes", "reason": "a child"},
        )
        assert referred.status_code == 303
        assert referred.headers["location"] == "/console/quality?notice=referred"
    with session_scope(settings.resolved_database_url) as db_session:
        entry = db_session.scalars(
            select(AuditEntry).where(
                AuditEntry.subject == case_id,
                AuditEntry.action == "case.referred_to_child_safety",
            )
        ).one()
        assert entry.details["referred_case_id"] != case_id
