"""Rule: an uploader appeals a removal. A case where nothing was removed has nothing to appeal
(409 `no_removal`), whether the platform sends the appeal (POST /v1/uploader-appeals) or staff
record it (POST /v1/cases/{id}/appeals): one rule, one code path. The platform's body, like
every body that changes something, refuses a field it does not know (422)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from takedown.settings import Settings
from tests.enforcement_support import platform_key
from tests.review_support import make_user, report, staff_headers


def _no_violation_case(client: TestClient, settings: Settings) -> str:
    make_user(settings, "rev-nv", "reviewer")
    case_id = report(client, category="terms_violation")["case_id"]
    decided = client.post(
        f"/v1/cases/{case_id}/decisions",
        json={"outcome": "no_violation", "reason": "allowed"},
        headers=staff_headers(client, settings, "rev-nv"),
    )
    assert decided.status_code == 201, decided.text
    assert decided.json()["case"]["status"] == "no_action"
    return case_id


def test_an_uploader_appeals_only_a_removal(client: TestClient, settings: Settings) -> None:
    case_id = _no_violation_case(client, settings)
    platform = {"Authorization": f"Bearer {platform_key(client, 'report')}"}

    by_platform = client.post(
        "/v1/uploader-appeals", json={"case_id": case_id, "reason": "x"}, headers=platform
    )
    assert by_platform.status_code == 409, by_platform.text
    assert by_platform.headers["content-type"].startswith("application/problem+json")
    assert by_platform.json()["code"] == "no_removal"

    make_user(settings, "support-1", "reviewer")
    by_staff = client.post(
        f"/v1/cases/{case_id}/appeals",
        json={"reason": "x"},
        headers=staff_headers(client, settings, "support-1"),
    )
    assert by_staff.status_code == 409 and by_staff.json()["code"] == "no_removal"

    case = client.get(f"/v1/cases/{case_id}", headers=staff_headers(client, settings, "rev-nv"))
    assert case.json()["status"] == "no_action"  # not `appealed`


def test_an_uploader_appeal_with_an_unknown_field_is_refused(
    client: TestClient, settings: Settings
) -> None:
    case_id = _no_violation_case(client, settings)
    platform = {"Authorization": f"Bearer {platform_key(client, 'report')}"}
    answer = client.post(
        "/v1/uploader-appeals",
        json={"case_id": case_id, "reason": "x", "content_id": "p"},
        headers=platform,
    )
    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == ["content_id"]


def test_an_uploader_email_is_checked_as_staff_check_it(
    client: TestClient, settings: Settings
) -> None:
    case_id = _no_violation_case(client, settings)
    platform = {"Authorization": f"Bearer {platform_key(client, 'report')}"}
    answer = client.post(
        "/v1/uploader-appeals",
        json={"case_id": case_id, "reason": "x", "contact_email": "not an address"},
        headers=platform,
    )
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_email"
