"""The DSA Transparency Database client posts pending statements to `<url>/api/v1/statements`
(bearer token, at most 100 per call), stores each returned uuid, marks statements the database
rejects (422 `statement_<i>`) and sends the others again; nothing is sent unless configured.
Tested against a local fake of the database's batch endpoint."""

from __future__ import annotations

from fastapi.testclient import TestClient
from pydantic import SecretStr

from takedown.api.app import create_app
from takedown.enforcement.scheduled import submit_statements
from tests.dsa_support import TOKEN, FakeDsaDatabase
from tests.enforcement_support import decision_with_copies
from tests.review_support import make_user, staff_headers


def test_statements_reach_the_database_in_batches(settings, make_api_key):
    fake = FakeDsaDatabase()
    try:
        with TestClient(create_app(settings)) as client:
            decision_with_copies(client, settings, make_api_key("scan"), copies=104)
            assert submit_statements(settings).submitted == 0  # not configured: nothing sent
            assert fake.calls == []

            wrong = settings.model_copy(
                update={"dsa_database_url": fake.url, "dsa_database_token": SecretStr("nope")}
            )
            assert submit_statements(wrong).failed == 100
            configured = settings.model_copy(
                update={"dsa_database_url": fake.url, "dsa_database_token": SecretStr(TOKEN)}
            )
            # One run sends batch after batch while each is taken whole.
            assert submit_statements(configured).submitted == 105
            assert submit_statements(configured).submitted == 0
            assert [len(c) for c in fake.calls] == [100, 5]
            make_user(settings, "viewer", "reviewer")
            listed = client.get(
                "/v1/statements-of-reasons?limit=1000",
                headers=staff_headers(client, settings, "viewer"),
            ).json()["statements"]
            assert len(listed) == 105
            assert all(s["status"] == "submitted" and s["database_uuid"] for s in listed)
            sent = {s["puid"] for call in fake.calls for s in call}
            assert sent == {s["id"] for s in listed}
    finally:
        fake.close()


def test_rejected_statements_are_marked_and_the_rest_resent(settings, make_api_key):
    fake = FakeDsaDatabase()
    configured = settings.model_copy(
        update={"dsa_database_url": fake.url, "dsa_database_token": SecretStr(TOKEN)}
    )
    try:
        with TestClient(create_app(settings)) as client:
            decision_with_copies(client, settings, make_api_key("scan"), copies=2, seed=600)
            make_user(settings, "viewer", "reviewer")
            headers = staff_headers(client, settings, "viewer")
            before = client.get("/v1/statements-of-reasons", headers=headers).json()["statements"]
            bad = before[0]["id"]
            fake.reject_puids = {bad}
            run = submit_statements(configured)
            assert (run.rejected, run.submitted) == (1, 0)
            assert submit_statements(configured).submitted == len(before) - 1
            after = {
                s["id"]: s
                for s in client.get("/v1/statements-of-reasons", headers=headers).json()[
                    "statements"
                ]
            }
            assert after[bad]["status"] == "rejected"
            assert all(s["status"] == "submitted" for i, s in after.items() if i != bad)
    finally:
        fake.close()
