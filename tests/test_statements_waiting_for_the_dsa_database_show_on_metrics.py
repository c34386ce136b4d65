"""Rule: statements of reasons that cannot reach the DSA Transparency Database (a revoked token,
an outage lasting days) show on /metrics: how many wait, how old the oldest is, and how many the
database refused, so an operator can alert on them rather than read the logs."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from takedown import clock
from takedown.api.app import create_app
from takedown.enforcement.scheduled import submit_statements
from tests.dsa_support import TOKEN, FakeDsaDatabase
from tests.enforcement_support import decision_with_copies, moving_clock  # noqa: F401
from tests.metrics_support import metrics_text


def _gauge(text: str, name: str) -> float:
    found = re.search(rf"^{name} ([0-9.e+]+)$", text, re.MULTILINE)
    assert found, f"{name} not in /metrics"
    return float(found.group(1))


@pytest.mark.usefixtures("moving_clock")
def test_statements_that_cannot_be_sent_show_their_count_and_age(settings, make_api_key):
    fake = FakeDsaDatabase()
    revoked = settings.model_copy(
        update={"dsa_database_url": fake.url, "dsa_database_token": SecretStr("revoked")}
    )
    working = revoked.model_copy(update={"dsa_database_token": SecretStr(TOKEN)})
    try:
        with TestClient(create_app(settings)) as client:
            decision_with_copies(client, settings, make_api_key("scan"), copies=2, seed=800)
            clock.advance(timedelta(days=3))
            assert submit_statements(revoked).failed == 3
            text = metrics_text(client)
            assert _gauge(text, "takedown_statements_of_reasons_waiting") == 3
            oldest = _gauge(text, "takedown_statements_of_reasons_oldest_waiting_seconds")
            assert 3 * 86400 <= oldest < 3 * 86400 + 600
            assert _gauge(text, "takedown_statements_of_reasons_rejected") == 0

            fake.reject_puids = _first_puid(client, settings)
            submit_statements(working)
            submit_statements(working)
            text = metrics_text(client)
            assert _gauge(text, "takedown_statements_of_reasons_waiting") == 0
            assert _gauge(text, "takedown_statements_of_reasons_oldest_waiting_seconds") == 0
            assert _gauge(text, "takedown_statements_of_reasons_rejected") == 1
    finally:
        fake.close()


def _first_puid(client, settings) -> set[str]:  # type: ignore[no-untyped-def]
    from tests.review_support import make_user, staff_headers

    make_user(settings, "viewer-800", "reviewer")
    listed = client.get(
        "/v1/statements-of-reasons", headers=staff_headers(client, settings, "viewer-800")
    ).json()["statements"]
    return {listed[0]["id"]}
