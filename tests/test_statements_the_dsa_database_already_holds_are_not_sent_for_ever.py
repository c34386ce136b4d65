"""Rule: a batch the DSA Transparency Database stored but whose answer was lost (a timeout, a
dropped connection) is not sent for ever. Sent again, the database refuses it with a 422 naming
the puids it already holds (`errors.existing_puids`, not `statement_<i>`): those statements are
marked submitted, and the statements queued behind them go on the next run."""

from __future__ import annotations

from fastapi.testclient import TestClient
from pydantic import SecretStr

from takedown.api.app import create_app
from takedown.enforcement.scheduled import submit_statements
from tests.dsa_support import TOKEN, FakeDsaDatabase
from tests.enforcement_support import decision_with_copies
from tests.review_support import make_user, staff_headers


def test_a_stored_batch_whose_answer_was_lost_does_not_block_the_queue(settings, make_api_key):
    fake = FakeDsaDatabase()
    configured = settings.model_copy(
        update={"dsa_database_url": fake.url, "dsa_database_token": SecretStr(TOKEN)}
    )
    try:
        with TestClient(create_app(settings)) as client:
            # The reported item and its 100 copies: 101 statements, two batches.
            decision_with_copies(client, settings, make_api_key("scan"), copies=100, seed=700)
            fake.drop_next_answer = True
            assert submit_statements(configured).failed == 100  # stored, but no answer came
            assert len(fake.held) == 100

            again = submit_statements(configured)  # the held batch, then the queue moves on
            assert (again.submitted, again.rejected, again.failed) == (101, 0, 0)
            assert submit_statements(configured).submitted == 0

            make_user(settings, "viewer-700", "reviewer")
            listed = client.get(
                "/v1/statements-of-reasons?limit=1000",
                headers=staff_headers(client, settings, "viewer-700"),
            ).json()["statements"]
        assert len(listed) == 101
        assert all(s["status"] == "submitted" for s in listed)
        assert {s["id"] for s in listed} == fake.held
    finally:
        fake.close()
