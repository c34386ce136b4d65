"""Rule: staff look up a post by its content id or its address, and see what Takedown knows about
it: its scans in the ledger (verdict, uploader, banks matched) and every case about it, as the
reported content or as a copy a case took down, with when it was taken down. Child-safety cases
are listed only for child-safety reviewers; a plain reviewer is told how many there are. The
console's find box takes a content id or an address as well as a case or report reference."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.enforcement_support import decide_violating
from tests.media import generated_scene, jpeg
from tests.reports_support import file_report
from tests.review_support import console, make_user, staff_headers

PICTURE = jpeg(generated_scene(8181))
ADDRESS = "https://platform.example/p/a"


def _scan(client: TestClient, key: str, content_id: str, account_id: str, url: str) -> None:
    answer = client.post(
        "/v1/scan",
        files={"file": ("upload.jpg", PICTURE, "image/jpeg")},
        data={"content_id": content_id, "account_id": account_id, "content_url": url},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answer.status_code == 200, answer.text


def _confirmed_with_a_copy(client: TestClient, settings: Any, key: str) -> str:
    """post-a reported by its address (tracking parameters and all) and confirmed; post-b, an
    identical upload by someone else, taken down as a copy."""
    _scan(client, key, "post-a", "acct-a", ADDRESS)
    _scan(client, key, "post-b", "acct-b", "https://platform.example/p/b")
    case_id = file_report(
        client,
        "child_sexual_abuse",
        content_url="https://www.platform.example/p/a/?utm_source=share",
    )["case_id"]
    decide_violating(client, settings, case_id, classification="A2")
    return str(case_id)


def test_staff_look_up_a_post_by_content_id_or_address(client, settings, make_api_key):
    key = make_api_key("scan")
    case_id = _confirmed_with_a_copy(client, settings, key)
    other = file_report(client, "terms_violation", content_id="post-c")["case_id"]
    make_user(settings, "csr", "child_safety_reviewer")
    csr = staff_headers(client, settings, "csr")

    copy = client.get("/v1/content?content_id=post-b", headers=csr).json()
    assert copy["content_ids"] == ["post-b"] and copy["hidden_cases"] == 0
    (scan,) = copy["scans"]
    assert (scan["account_id"], scan["verdict"], scan["banks"]) == ("acct-b", "allow", [])
    (about,) = copy["cases"]
    assert (about["case_id"], about["reported"], about["content_id"]) == (
        case_id,
        False,
        "post-b",
    )
    assert about["removed_at"] is not None and about["restored_at"] is None

    reported = client.get(f"/v1/content?content_url={ADDRESS}?fbclid=x", headers=csr).json()
    assert reported["content_ids"] == ["post-a"]
    (about,) = reported["cases"]
    assert about["case_id"] == case_id and about["reported"] is True
    assert about["category"] == "child_sexual_abuse" and about["removed_at"] is not None

    # A post nobody scanned but someone reported.
    unscanned = client.get("/v1/content?content_id=post-c", headers=csr).json()
    assert unscanned["scans"] == [] and [c["case_id"] for c in unscanned["cases"]] == [other]
    nothing = client.get("/v1/content?content_id=post-zzz", headers=csr).json()
    assert nothing["scans"] == [] and nothing["cases"] == []

    # A plain reviewer does not see the child-safety case, only that there is one.
    make_user(settings, "rev", "reviewer")
    rev = staff_headers(client, settings, "rev")
    hidden = client.get("/v1/content?content_id=post-b", headers=rev).json()
    assert hidden["cases"] == [] and hidden["hidden_cases"] == 1
    assert len(hidden["scans"]) == 1


def test_a_lookup_names_one_post(client, settings):
    make_user(settings, "rev", "reviewer")
    rev = staff_headers(client, settings, "rev")
    for query in ("", "?content_id=a&content_url=https://x.example/a", "?content_url=ftp://x/a"):
        answer = client.get(f"/v1/content{query}", headers=rev)
        assert answer.status_code == 422, query
    assert client.get("/v1/content?content_id=a").status_code == 401


def test_the_console_find_box_looks_up_posts(client, settings, make_api_key):
    key = make_api_key("scan")
    case_id = _confirmed_with_a_copy(client, settings, key)
    make_user(settings, "csr", "child_safety_reviewer")
    browser = console(client.app, "csr")
    found = browser.get("/console/find?reference=post-b", follow_redirects=False)
    assert found.status_code == 303 and found.headers["location"] == "/console/content?q=post-b"
    page = browser.get(found.headers["location"]).text
    assert f'href="/console/cases/{case_id}"' in page
    assert "a copy of what it confirmed: <code>post-b</code>" in page and "taken down" in page
    assert 'href="/console/accounts/acct-b"' in page

    by_address = browser.get(f"/console/content?q={ADDRESS}").text
    assert "Scanned at this address: <code>post-a</code>" in by_address
    assert "reported: <code>post-a</code>" in by_address

    make_user(settings, "rev", "reviewer")
    page = console(client.app, "rev").get("/console/content?q=post-b").text
    assert 'id="hidden-cases"' in page and case_id not in page
    # Case and report references still open their case.
    opened = browser.get(f"/console/find?reference={case_id}", follow_redirects=False)
    assert opened.headers["location"] == f"/console/cases/{case_id}"
