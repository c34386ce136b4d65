"""Rule: "the uploader has earlier violations" means earlier: the back-catalogue scan that opened
the case (a blocked verdict on the case's own content) is not history of its uploader. An earlier
blocked upload of another post still is."""

from __future__ import annotations

from fastapi.testclient import TestClient

from takedown.api.app import create_app
from tests.enforcement_support import bank_pictures
from tests.media import generated_scene, jpeg, stand_in
from tests.review_support import make_user, staff_headers

HISTORY = "the uploader has earlier violations"


def _scan(client: TestClient, key: str, data: bytes, content_id: str, account: str, **form: str):  # type: ignore[no-untyped-def]
    answer = client.post(
        "/v1/scan",
        files={"file": ("p.jpg", data, "image/jpeg")},
        data={"content_id": content_id, "account_id": account, **form},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_case_own_scan_is_not_the_uploader_history(settings, make_api_key):
    key = make_api_key("scan", "banks")
    known, other = jpeg(stand_in("rocket")), jpeg(generated_scene(4801))
    with TestClient(create_app(settings)) as client:
        bank_pictures(client, {"Authorization": f"Bearer {key}"}, "industry", known, other)
        make_user(settings, "csr", "child_safety_reviewer")
        staff = staff_headers(client, settings, "csr")

        first = _scan(client, key, known, "old-1", "acct-first", published="true")
        case = client.get(f"/v1/cases/{first['case_id']}", headers=staff).json()
        assert HISTORY not in case["priority_reasons"], case["priority_reasons"]

        assert _scan(client, key, other, "new-1", "acct-again")["verdict"] == "block"
        again = _scan(client, key, known, "old-2", "acct-again", published="true")
        case = client.get(f"/v1/cases/{again['case_id']}", headers=staff).json()
        assert HISTORY in case["priority_reasons"]
