"""Rule: one blocked attempt to post a person's intimate images is stopped, and that is enough;
an account that keeps trying is harassing that person. Every third upload (in 30 days) of an
account that an ncii bank blocked opens a case about its latest attempt for review, with the
count; other accounts' single attempts, and attempts without an account, open nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from takedown import clock
from takedown.api.app import create_app
from takedown.cases.blocked_uploads import open_cases_for_blocked_uploads
from tests.enforcement_support import bank_pictures, moving_clock, scan  # noqa: F401
from tests.media import generated_scene, jpeg
from tests.review_support import make_user, staff_headers


@pytest.mark.usefixtures("moving_clock")
def test_repeated_blocked_ncii_attempts_open_a_case(settings, make_api_key) -> None:  # type: ignore[no-untyped-def]
    key = make_api_key("scan", "banks")
    auth = {"Authorization": f"Bearer {key}"}
    intimate = generated_scene(9501)
    app = create_app(settings)
    with TestClient(app) as client:
        bank_pictures(client, auth, "stopncii", jpeg(intimate), category="ncii")

        def attempt(content_id: str, account: str, quality: int) -> None:
            answer = scan(client, key, jpeg(intimate, quality), content_id, account)
            assert answer["verdict"] == "block"

        def run_job() -> int:
            clock.advance(timedelta(seconds=11))
            return open_cases_for_blocked_uploads(settings, app.state.index)

        make_user(settings, "rev", "reviewer")
        staff = staff_headers(client, settings, "rev")

        def cases() -> list[dict]:  # type: ignore[type-arg]
            listed = client.get("/v1/cases?queue=all", headers=staff).json()["cases"]
            return [client.get(f"/v1/cases/{c['case_id']}", headers=staff).json() for c in listed]

        attempt("try-1", "acct-harasser", 90)
        attempt("other-1", "acct-other", 90)
        attempt("try-2", "acct-harasser", 85)
        assert run_job() == 3
        assert cases() == []  # two attempts, and one: not yet

        attempt("try-3", "acct-harasser", 80)
        assert run_job() == 1
        [case] = cases()
        assert (case["content_id"], case["account_id"]) == ("try-3", "acct-harasser")
        assert case["category"] == "non_consensual_intimate_imagery"
        [report] = case["reports"]
        assert report["channel"] == "hash_match"
        assert report["explanation"].startswith("Account acct-harasser: 3 uploads blocked")

        attempt("try-4", "acct-harasser", 78)
        assert run_job() == 1
        assert len(cases()) == 1

        # Past the 30-day window the count starts again: the third attempt since opens a case.
        clock.advance(timedelta(days=31))
        attempt("try-5", "acct-harasser", 88)
        attempt("try-6", "acct-harasser", 86)
        assert run_job() == 2
        assert len(cases()) == 1
        attempt("try-7", "acct-harasser", 84)
        assert run_job() == 1
        assert sorted(c["content_id"] for c in cases()) == ["try-3", "try-7"]
