"""POST /v1/reports is open to the public and to platform keys with scope `report`; it answers
201 at once with the report and case ids, an unguessable tracking token, a status URL, the
time received and the deadline."""

from __future__ import annotations

import base64
from datetime import datetime

from sqlalchemy import select

from takedown.reports.models import Report
from takedown.store.db import session_scope
from tests.reports_support import file_report


def test_public_report_without_account_gets_all_references(client):
    answer = file_report(client, "child_sexual_abuse", content_id="post-1")
    assert answer["report_id"].startswith("rep_")
    assert answer["case_id"].startswith("case_")
    assert answer["status_url"].endswith(f"/track/{answer['tracking_token']}")
    received = datetime.fromisoformat(answer["received_at"])
    deadline = datetime.fromisoformat(answer["deadline"])
    assert deadline > received
    page = client.get(f"/track/{answer['tracking_token']}")
    assert page.status_code == 200
    assert answer["case_id"] in page.text


def test_tracking_token_has_at_least_128_random_bits_and_is_unique(client):
    tokens = {
        file_report(client, "child_sexual_abuse", content_id=f"p{i}")["tracking_token"]
        for i in range(20)
    }
    assert len(tokens) == 20
    for token in tokens:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 >= 128
    assert client.get("/track/" + "A" * 43).status_code == 404


def test_platform_key_with_report_scope_is_accepted_and_recorded(client, settings, auth_header):
    answer = file_report(client, "terms_violation", headers=auth_header("report"))
    with session_scope(settings.resolved_database_url) as db_session:
        row = db_session.scalar(select(Report).where(Report.id == answer["report_id"]))
        assert row.channel == "platform"
        assert row.api_key_id is not None


def test_key_without_report_scope_is_refused(client, auth_header):
    body = {"category": "child_sexual_abuse", "content_id": "x"}
    answer = client.post("/v1/reports", json=body, headers=auth_header("scan"))
    assert answer.status_code == 403
    assert answer.json()["code"] == "missing_scope"


def test_unknown_category_is_a_field_error(client):
    answer = client.post("/v1/reports", json={"category": "nope", "content_id": "x"})
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in answer.json()["errors"]] == ["category"]
