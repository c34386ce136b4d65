"""Child-safety cases are visible only to child_safety_reviewer and above (legal, admin): hidden
from a plain reviewer's queues and refused by URL, in the console and the staff API alike."""

from __future__ import annotations

import pytest

from tests.review_support import benign_image, console, make_user, report, staff_headers


@pytest.fixture
def two_cases(client):  # type: ignore[no-untyped-def]
    child_safety = report(client, category="child_sexual_abuse", image=benign_image())["case_id"]
    other = report(client, category="terms_violation")["case_id"]
    return child_safety, other


def test_plain_reviewer_never_sees_child_safety_cases(client, app, settings, two_cases):
    child_safety, other = two_cases
    make_user(settings, "rita", "reviewer")
    headers = staff_headers(client, settings, "rita")
    for queue in ("open", "all", "child_safety", "second_review"):
        listed = client.get(f"/v1/cases?queue={queue}", headers=headers).json()["cases"]
        assert child_safety not in [c["case_id"] for c in listed]
    assert other in [c["case_id"] for c in client.get("/v1/cases", headers=headers).json()["cases"]]
    assert client.get(f"/v1/cases/{child_safety}", headers=headers).status_code == 403
    assert client.post(f"/v1/cases/{child_safety}/claim", headers=headers).status_code == 403

    rita = console(app, "rita")
    queue_page = rita.get("/console/queue?queue=all")
    assert other in queue_page.text
    assert child_safety not in queue_page.text
    assert rita.get(f"/console/cases/{child_safety}").status_code == 403
    detail = rita.get(f"/console/cases/{child_safety}")
    assert "child_safety_case" in detail.text
    as_page = rita.get(f"/console/cases/{child_safety}", headers={"accept": "text/html"})
    assert as_page.status_code == 403
    assert "text/html" in as_page.headers["content-type"]
    assert "child-safety reviewers only" in as_page.text
    media_id = client.get(
        f"/v1/cases/{child_safety}", headers=staff_headers(client, settings, _admin(settings))
    ).json()["media"][0]["media_id"]
    preview = rita.get(f"/console/cases/{child_safety}/media/{media_id}/preview.jpg")
    assert preview.status_code == 403
    assert rita.decide(child_safety, "no_violation").status_code == 403


def _admin(settings):  # type: ignore[no-untyped-def]
    make_user(settings, "root", "admin")
    return "root"


@pytest.mark.parametrize("role", ["child_safety_reviewer", "legal", "admin"])
def test_child_safety_reviewer_and_above_see_them(client, app, settings, two_cases, role):
    child_safety, other = two_cases
    make_user(settings, "someone", role)
    headers = staff_headers(client, settings, "someone")
    listed = [c["case_id"] for c in client.get("/v1/cases", headers=headers).json()["cases"]]
    assert child_safety in listed and other in listed
    assert client.get(f"/v1/cases/{child_safety}", headers=headers).status_code == 200
    browser = console(app, "someone")
    assert child_safety in browser.get("/console/queue").text
    assert browser.get(f"/console/cases/{child_safety}").status_code == 200


def test_platform_keys_are_not_staff(client, settings, auth_header, two_cases):
    assert client.get("/v1/cases").status_code == 401
    assert client.get("/v1/cases", headers=auth_header("cases")).status_code == 403
    assert client.get("/v1/cases", headers=auth_header("scan", "report")).status_code == 403
