"""`GET /v1/cases/{case_id}/enforcement` of a case that does not exist is 404 `case_not_found`,
like every other case route, not an empty answer."""

from __future__ import annotations

from fastapi.testclient import TestClient

from takedown.api.app import create_app
from tests.review_support import make_user, staff_headers


def test_case_enforcement_of_an_unknown_case_is_404(settings):
    with TestClient(create_app(settings)) as client:
        make_user(settings, "csr", "child_safety_reviewer")
        answer = client.get(
            "/v1/cases/case_doesnotexist/enforcement",
            headers=staff_headers(client, settings, "csr"),
        )
        assert answer.status_code == 404, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["code"] == "case_not_found"
