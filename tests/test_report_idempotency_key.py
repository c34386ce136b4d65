"""An Idempotency-Key makes a retry return the same answer, not a second report."""

from __future__ import annotations

from sqlalchemy import func, select

from takedown.reports.models import Report
from takedown.store.db import session_scope
from tests.reports_support import valid_body


def count_reports(settings) -> int:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        return db_session.scalar(select(func.count()).select_from(Report))


def test_retry_with_same_key_returns_same_answer(client, settings):
    body = valid_body("child_sexual_abuse", content_id="post-9")
    headers = {"Idempotency-Key": "retry-123"}
    first = client.post("/v1/reports", json=body, headers=headers)
    second = client.post("/v1/reports", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert count_reports(settings) == 1
    other = client.post("/v1/reports", json=body, headers={"Idempotency-Key": "another"})
    assert other.json()["report_id"] != first.json()["report_id"]
    assert count_reports(settings) == 2


def test_same_key_for_a_different_report_is_refused(client, settings):
    headers = {"Idempotency-Key": "k1"}
    client.post(
        "/v1/reports", json=valid_body("child_sexual_abuse", content_id="a"), headers=headers
    )
    answer = client.post(
        "/v1/reports", json=valid_body("child_sexual_abuse", content_id="b"), headers=headers
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "idempotency_key_reused"
    assert count_reports(settings) == 1


def test_keys_of_different_platforms_do_not_collide(client, settings, auth_header):
    body = valid_body("child_sexual_abuse", content_id="c")
    one = client.post(
        "/v1/reports", json=body, headers={**auth_header("report"), "Idempotency-Key": "k"}
    )
    two = client.post(
        "/v1/reports", json=body, headers={**auth_header("report"), "Idempotency-Key": "k"}
    )
    assert one.json()["report_id"] != two.json()["report_id"]
