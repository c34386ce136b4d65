"""Every console POST needs the session's CSRF token (form field or X-CSRF-Token header)."""

from __future__ import annotations

from tests.review_support import PASSWORD, ConsoleBrowser, make_user, report


def test_post_without_or_with_a_wrong_token_is_refused(client, settings):
    make_user(settings, "carol", "child_safety_reviewer")
    case_id = report(client, category="child_sexual_abuse", content_id="x1")["case_id"]
    browser = ConsoleBrowser(client)
    browser.login("carol")
    url = f"/console/cases/{case_id}/decisions"
    body = {"outcome": "no_violation", "reason": "fine"}
    missing = client.post(url, data=body, follow_redirects=False)
    assert missing.status_code == 403
    assert missing.json()["code"] == "csrf_failed"
    wrong = client.post(url, data={**body, "csrf_token": "guess"}, follow_redirects=False)
    assert wrong.status_code == 403
    claim = client.post(f"/console/cases/{case_id}/claim", follow_redirects=False)
    assert claim.status_code == 403
    # Nothing was recorded; with the token the same request works.
    page = client.get(f"/console/cases/{case_id}")
    assert "open" in page.text
    assert browser.decide(case_id, "no_violation").status_code == 303


def test_the_header_works_for_htmx_requests(client, settings):
    make_user(settings, "carol", "child_safety_reviewer")
    case_id = report(client, category="child_sexual_abuse", content_id="x2")["case_id"]
    browser = ConsoleBrowser(client)
    browser.login("carol")
    answer = client.post(
        f"/console/cases/{case_id}/claim",
        headers={"X-CSRF-Token": browser.csrf, "HX-Request": "true"},
        follow_redirects=False,
    )
    assert answer.status_code == 303


def test_login_form_needs_its_token(client, settings):
    make_user(settings, "carol", "reviewer")
    answer = client.post(
        "/console/login", data={"username": "carol", "password": PASSWORD}, follow_redirects=False
    )
    assert answer.status_code == 403
    assert "takedown_session" not in client.cookies


def test_logout_needs_the_token(client, settings):
    make_user(settings, "carol", "reviewer")
    ConsoleBrowser(client).login("carol")
    assert client.post("/console/logout", follow_redirects=False).status_code == 403
    assert client.get("/console/queue").status_code == 200
