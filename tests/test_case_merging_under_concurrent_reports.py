"""Reports about the same content arriving at the same moment still become one case, and one
Idempotency-Key sent by several retries at once still files one report."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from takedown.cases.models import Case
from takedown.reports.models import Report
from takedown.store.db import session_scope
from tests.reports_support import valid_body


def count(settings, model) -> int:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        return db_session.scalar(select(func.count()).select_from(model))


def test_simultaneous_reports_join_one_case_per_content(client, settings):
    def send(i: int) -> int:
        body = valid_body("child_sexual_abuse", content_id=f"same-{i % 3}")
        return client.post("/v1/reports", json=body).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(send, range(24)))
    assert set(codes) == {201}
    assert count(settings, Report) == 24
    assert count(settings, Case) == 3


def test_simultaneous_retries_with_one_key_file_one_report(client, settings):
    body = valid_body("child_sexual_abuse", content_id="retry")

    def send(_: int) -> dict:
        answer = client.post("/v1/reports", json=body, headers={"Idempotency-Key": "same"})
        assert answer.status_code == 201, answer.text
        return answer.json()

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(send, range(6)))
    assert len({a["report_id"] for a in answers}) == 1
    assert count(settings, Report) == 1
