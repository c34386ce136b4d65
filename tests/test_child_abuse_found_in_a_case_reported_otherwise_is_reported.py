"""Rule: child sexual abuse found by a reviewer in content reported as something else (a teenager's
"intimate image shared without consent", a spam report) is handled as child sexual abuse: the
decision needs the industry classification, the case becomes a child-safety case (audited), and
enforcement files the CyberTipline report and banks the hashes as CSAM. Intimate imagery reported
with "under 18: yes" is P0 from the start."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown.api.app import create_app
from takedown.audit.models import AuditEntry
from takedown.banks.models import Bank
from takedown.ncmec.scheduled import file_due_reports
from takedown.store.db import session_scope
from tests.media import generated_scene, jpeg
from tests.ncmec_factories import ncmec_settings, sandbox
from tests.review_support import console, make_user, reported_case, staff_headers

TEEN_REQUEST = {
    "category": "non_consensual_intimate_imagery",
    "content_id": "post-teen",
    "content_url": "https://platform.example/p/teen",
    "signature": "A Teen",
    "good_faith_statement": True,
    "reporter": {"role": "victim", "email": "teen@example.org"},
}


def _file(client, body, picture: bytes | None = None):  # type: ignore[no-untyped-def]
    if picture is None:
        answer = client.post("/v1/reports", json=body)
    else:
        answer = client.post(
            "/v1/reports",
            data={"report": json.dumps(body)},
            files={"file": ("image.jpg", picture, "image/jpeg")},
        )
    assert answer.status_code == 201, answer.text
    return reported_case(client, answer.json())


def _decide(client, headers, case_id, **body):  # type: ignore[no-untyped-def]
    return client.post(
        f"/v1/cases/{case_id}/decisions",
        json={"outcome": "violating", "reason": "reviewed (benign stand-in)", **body},
        headers=headers,
    )


def test_child_abuse_found_in_a_case_reported_otherwise_is_reported(settings):
    with sandbox() as server:
        settings = ncmec_settings(settings, server)
        app = create_app(settings)
        with TestClient(app) as client:
            case_id = _file(client, TEEN_REQUEST, jpeg(generated_scene(6060)))
            make_user(settings, "csr", "child_safety_reviewer")
            csr = staff_headers(client, settings, "csr")
            # The console's decision form offers the classification on every case.
            page = console(app, "csr").get(f"/console/cases/{case_id}").text
            assert 'id="classification"' in page and "reported to NCMEC" in page
            case = client.get(f"/v1/cases/{case_id}", headers=csr).json()
            assert case["category"] == "non_consensual_intimate_imagery"
            assert case["priority"] == "P1"  # the report did not say the person is under 18

            missing = _decide(client, csr, case_id, policy="child_sexual_abuse_material")
            assert missing.status_code == 422
            assert missing.json()["code"] == "classification_required"
            decided = _decide(
                client, csr, case_id, policy="child_sexual_abuse_material", classification="B2"
            )
            assert decided.status_code == 201, decided.text

            case = client.get(f"/v1/cases/{case_id}", headers=csr).json()
            assert case["category"] == "child_sexual_abuse" and case["is_child_safety"]
            filings = client.get(f"/v1/cases/{case_id}/ncmec", headers=csr).json()["filings"]
            assert [f["state"] for f in filings] == ["pending"]
            assert file_due_reports(settings)
            (filed,) = server.state.reports.values()
            assert filed.status == "finished"

    with session_scope(settings.resolved_database_url) as db_session:
        recategorised = db_session.scalars(
            select(AuditEntry).where(
                AuditEntry.subject == case_id, AuditEntry.action == "case.recategorised"
            )
        ).one()
        assert recategorised.details["from"] == "non_consensual_intimate_imagery"
        assert recategorised.details["to"] == "child_sexual_abuse"
        banked_in = db_session.scalars(
            select(Bank.category).where(Bank.source == "platform-confirmed")
        ).all()
        assert "csam" in banked_in and "ncii" not in banked_in


def test_other_policies_leave_the_category_alone(client, settings):
    body = {
        "category": "terms_violation",
        "content_id": "post-spam",
        "content_url": "https://platform.example/p/spam",
        "explanation": "spam",
        "good_faith_statement": True,
        "reporter": {"name": "Sam", "email": "sam@example.org"},
    }
    case_id = _file(client, body)
    make_user(settings, "rev", "reviewer")
    rev = staff_headers(client, settings, "rev")
    assert _decide(client, rev, case_id, policy="terms_of_service").status_code == 201
    case = client.get(f"/v1/cases/{case_id}", headers=rev).json()
    assert case["category"] == "terms_violation" and not case["is_child_safety"]
    assert client.get(f"/v1/cases/{case_id}/ncmec", headers=rev).json()["filings"] == []


def test_intimate_imagery_of_a_minor_is_p0(client, settings):
    case_id = _file(client, {**TEEN_REQUEST, "subject_is_minor": "yes"})
    make_user(settings, "csr", "child_safety_reviewer")
    case = client.get(f"/v1/cases/{case_id}", headers=staff_headers(client, settings, "csr")).json()
    assert case["priority"] == "P0" and case["is_child_safety"]
    assert case["priority_reasons"][:2] == ["intimate imagery of a minor", "a minor is shown"]
