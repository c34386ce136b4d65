"""Rule: the search of earlier uploads for hashes banked later respects reviewers' decisions as
a re-scan does. An upload reviewers decided does not violate (two child-safety reviewers' "no
violation") is not taken down by the lookback: an entry banked after their decision opens a case
for review and the post stays up meanwhile; an entry banked before it (a bank enabled again since)
opens nothing, since the reviewers' decision already stood against it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from takedown import clock
from takedown.api.app import create_app
from takedown.lookback.service import run_lookback
from tests.enforcement_support import (  # noqa: F401 (moving_clock: fixture)
    bank_pictures,
    moving_clock,
    removal_orders,
    report_with_media,
    scan,
)
from tests.media import generated_scene, jpeg
from tests.review_support import make_user, staff_headers


def _clear(client: TestClient, settings, case_id: str) -> None:  # type: ignore[no-untyped-def]
    for reviewer in ("csr-1", "csr-2"):  # child safety: "no violation" needs two reviewers
        decided = client.post(
            f"/v1/cases/{case_id}/decisions",
            json={"outcome": "no_violation", "reason": "a landscape photo"},
            headers=staff_headers(client, settings, reviewer),
        )
        assert decided.status_code == 201, decided.text


def _cases_of(client: TestClient, settings, content_id: str) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    headers = staff_headers(client, settings, "csr-1")
    listed = client.get("/v1/cases?queue=all", headers=headers).json()["cases"]
    full = [client.get(f"/v1/cases/{c['case_id']}", headers=headers).json() for c in listed]
    return [case for case in full if case["content_id"] == content_id]


@pytest.mark.usefixtures("moving_clock")
def test_the_lookback_does_not_take_down_content_reviewers_cleared(settings, make_api_key):  # type: ignore[no-untyped-def]
    key = make_api_key("scan", "banks")
    auth = {"Authorization": f"Bearer {key}"}
    cleared_picture, dormant_picture = jpeg(generated_scene(9101)), jpeg(generated_scene(9202))
    app = create_app(settings)
    with TestClient(app) as client:
        for name in ("industry", "dormant"):
            created = client.post(
                "/v1/banks",
                json={"name": name, "category": "csam", "action": "block"},
                headers=auth,
            )
            assert created.status_code == 201, created.text
        bank_pictures(client, auth, "dormant", dormant_picture)
        assert client.patch("/v1/banks/dormant", json={"enabled": False}, headers=auth).is_success
        clock.advance(timedelta(seconds=11))
        run_lookback(settings, app.state.index)

        for reviewer in ("csr-1", "csr-2"):
            make_user(settings, reviewer, "child_safety_reviewer")
        for content_id, picture in (("post-a", cleared_picture), ("post-b", dormant_picture)):
            assert scan(client, key, picture, content_id, "acct-1")["verdict"] == "allow"
            reported = report_with_media(
                client, picture, content_id=content_id, account_id="acct-1"
            )
            _clear(client, settings, reported["case_id"])
        (first_a,) = _cases_of(client, settings, "post-a")
        assert first_a["status"] == "no_action"

        clock.advance(timedelta(minutes=1))
        bank_pictures(client, auth, "industry", cleared_picture)  # banked after the decision
        assert client.patch("/v1/banks/dormant", json={"enabled": True}, headers=auth).is_success
        clock.advance(timedelta(seconds=11))
        assert run_lookback(settings, app.state.index) == 1

        cases_a = _cases_of(client, settings, "post-a")
        (news,) = [case for case in cases_a if case["case_id"] != first_a["case_id"]]
        assert news["status"] != "no_action"
        assert news["reports"][-1]["explanation"].startswith(
            f"Cleared in case {first_a['case_id']}"
        )
        assert len(_cases_of(client, settings, "post-b")) == 1  # the bank enabled again: nothing
        assert removal_orders(settings) == []  # both stay up until a reviewer decides
