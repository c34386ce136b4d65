"""Rule (DSA Art 23): the per-contact report limit counts one inbox however its address is
written: victim@example.org, Victim+1@example.org and victim+2@example.org are one contact, so
nobody floods an inbox with acknowledgements by tagging its address. The report keeps the
address as given; other inboxes keep their own count."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown.reports.models import Report
from takedown.store.db import session_scope
from tests.reports_support import valid_body


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    return settings.model_copy(
        update={"report_rate_limit_per_address": 100, "report_rate_limit_per_contact": 3}
    )


def from_contact(email: str, n: int) -> dict[str, object]:
    return valid_body(
        reporter={"name": "V", "email": email}, content_url=f"https://platform.example/p/{n}"
    )


def test_report_rate_limit_counts_one_inbox_whatever_its_tag(app, settings) -> None:  # type: ignore[no-untyped-def]
    addresses = ["victim@example.org", "Victim+1@example.org", "victim+2@example.org"]
    for n, email in enumerate(addresses):
        client = TestClient(app, client=(f"10.0.0.{n + 1}", 1))
        assert client.post("/v1/reports", json=from_contact(email, n)).status_code == 201

    for n, email in enumerate(["victim+3@example.org", "VICTIM@example.org"], start=10):
        client = TestClient(app, client=(f"10.0.1.{n}", 1))
        answer = client.post("/v1/reports", json=from_contact(email, n))
        assert answer.status_code == 429, (email, answer.text)
        assert answer.json()["code"] == "report_rate_limited"

    others = ["victimx@example.org", "victim@example.net", "vic_tim@example.org"]
    for n, email in enumerate(others, start=20):
        client = TestClient(app, client=(f"10.0.2.{n}", 1))
        assert client.post("/v1/reports", json=from_contact(email, n)).status_code == 201

    with session_scope(settings.resolved_database_url) as db_session:
        kept = set(db_session.scalars(select(Report.reporter_email)))
    assert {"victim+1@example.org", "victim+2@example.org"} <= kept  # as given (lower case)
