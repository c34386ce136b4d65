"""Rule: reports join a case by address only while the address shows that case's upload. When the
platform gives the address to another upload (a post deleted, its address reused), a report of
what is there now is about other content: it opens its own case, with that upload's content id and
uploader, instead of joining the open case about the upload that was there before (whose
reviewers would look at the old picture and act on the old uploader). A report of an address no
case has an upload for still joins by address."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.media import generated_scene, jpeg
from tests.review_support import make_user, staff_headers

URL = "https://platform.example/v/20"


def scan(client: TestClient, key: str, seed: int, content_id: str, account_id: str) -> None:
    answer = client.post(
        "/v1/scan",
        files={"file": ("upload.jpg", jpeg(generated_scene(seed)), "image/jpeg")},
        data={"content_id": content_id, "account_id": account_id, "content_url": URL},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answer.status_code == 200, answer.text


def report(client: TestClient, category: str = "child_sexual_abuse", **fields: object) -> str:
    body = {"category": category, "content_url": URL, **fields}
    answer = client.post("/v1/reports", json=body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["case_id"])


def test_a_report_of_an_address_now_holding_another_upload_opens_its_own_case(
    client, settings, make_api_key
) -> None:  # type: ignore[no-untyped-def]
    key = make_api_key("scan", "report")
    make_user(settings, "rev", "child_safety_reviewer")
    staff = staff_headers(client, settings, "rev")

    scan(client, key, 2001, "c-20", "acct-first")
    first = report(client, "child_sexual_exploitation")
    scan(client, key, 2002, "c-21", "acct-second")  # the address now shows another upload

    second = report(client)
    assert second != first
    case = client.get(f"/v1/cases/{second}", headers=staff).json()
    assert (case["content_id"], case["account_id"]) == ("c-21", "acct-second")
    old = client.get(f"/v1/cases/{first}", headers=staff).json()
    assert (old["content_id"], old["report_count"]) == ("c-20", 1)

    assert report(client, content_id="c-21") == second  # what is there now joins its case


def test_a_report_of_an_address_no_case_has_an_upload_for_joins_by_address(
    client, settings, make_api_key
) -> None:  # type: ignore[no-untyped-def]
    key = make_api_key("scan", "report")
    first = report(client)  # nobody scanned the address yet: the case knows only where it is
    scan(client, key, 2003, "c-30", "acct-third")
    assert report(client) == first
    make_user(settings, "rev", "child_safety_reviewer")
    case = client.get(f"/v1/cases/{first}", headers=staff_headers(client, settings, "rev")).json()
    assert (case["content_id"], case["report_count"]) == ("c-30", 2)
