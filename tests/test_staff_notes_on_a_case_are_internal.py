"""Rule: staff notes on a case are internal. Any role that sees a case writes notes on it (API and
console), with no claim needed; the reporter's tracking page, the uploader's statement and the
public pages never show them; a note is never edited, and each is audited with a hash of its
text, not the text; a plain reviewer can neither read nor write notes on a child-safety case."""

from __future__ import annotations

import hashlib

from tests.review_support import console, make_user, report, staff_headers

SECRET_NOTE = "Asked the platform's police liaison for the account's sign-up details."


def test_staff_notes_on_a_case_are_internal(client, settings):
    filed = report(client, category="child_sexual_abuse", content_id="post-n1")
    case_id = filed["case_id"]
    make_user(settings, "csr", "child_safety_reviewer")
    csr = staff_headers(client, settings, "csr")

    written = client.post(f"/v1/cases/{case_id}/notes", json={"text": SECRET_NOTE}, headers=csr)
    assert written.status_code == 201, written.text
    note = written.json()
    assert note["text"] == SECRET_NOTE and note["case_id"] == case_id
    assert note["note_id"].startswith("note_")

    case = client.get(f"/v1/cases/{case_id}", headers=csr).json()
    assert [n["text"] for n in case["notes"]] == [SECRET_NOTE]
    assert case["status"] == "open"  # a note is not a claim or a decision

    # The reporter never sees it.
    tracking = client.get(f"/track/{filed['tracking_token']}").text
    assert "police liaison" not in tracking

    # Audited with the text's hash, not the text.
    make_user(settings, "lead", "admin")
    lead = staff_headers(client, settings, "lead")
    entries = client.get(f"/v1/audit?subject={case_id}", headers=lead).json()["entries"]
    (added,) = [e for e in entries if e["action"] == "case.note_added"]
    assert added["details"] == {
        "note_id": note["note_id"],
        "sha256": hashlib.sha256(SECRET_NOTE.encode()).hexdigest(),
    }
    assert "police liaison" not in str(entries)


def test_notes_are_written_and_read_in_the_console(client, settings):
    case_id = report(client, category="child_sexual_abuse", content_id="post-n2")["case_id"]
    make_user(settings, "csr", "child_safety_reviewer")
    browser = console(client.app, "csr")
    page = browser.get(f"/console/cases/{case_id}").text
    assert "Notes (0)" in page and 'id="note-form"' in page

    answer = browser.post(f"/console/cases/{case_id}/notes", {"text": "Hand-over: <b>next</b>"})
    assert answer.status_code == 303
    assert answer.headers["location"].endswith("?notice=noted#notes")
    page = browser.get(f"/console/cases/{case_id}").text
    assert "Notes (1)" in page and "Note added." not in page  # the notice is on the redirect
    assert "Hand-over: &lt;b&gt;next&lt;/b&gt;" in page  # shown as written, never as markup
    assert "csr ·" in page

    # An empty note is refused on the page, and nothing is written.
    refused = browser.post(f"/console/cases/{case_id}/notes", {"text": "   "})
    assert refused.status_code == 422 and "write the note first" in refused.text
    assert "Notes (1)" in browser.get(f"/console/cases/{case_id}").text


def test_a_note_is_checked_like_any_input(client, settings):
    case_id = report(client, category="child_sexual_abuse", content_id="post-n3")["case_id"]
    make_user(settings, "csr", "child_safety_reviewer")
    csr = staff_headers(client, settings, "csr")
    for body in ({"text": ""}, {"text": "x" * 5001}, {"text": "ok", "pinned": True}):
        answer = client.post(f"/v1/cases/{case_id}/notes", json=body, headers=csr)
        assert answer.status_code == 422, body
        assert answer.json()["code"] == "invalid_input"
    assert client.get(f"/v1/cases/{case_id}", headers=csr).json()["notes"] == []
    missing = client.post("/v1/cases/case_nope/notes", json={"text": "hello"}, headers=csr)
    assert missing.status_code == 404


def test_a_plain_reviewer_has_no_notes_on_a_child_safety_case(client, settings):
    case_id = report(client, category="child_sexual_abuse", content_id="post-n4")["case_id"]
    make_user(settings, "rev", "reviewer")
    rev = staff_headers(client, settings, "rev")
    answer = client.post(f"/v1/cases/{case_id}/notes", json={"text": "hello"}, headers=rev)
    assert answer.status_code == 403 and answer.json()["code"] == "child_safety_case"
    browser = console(client.app, "rev")
    assert browser.post(f"/console/cases/{case_id}/notes", {"text": "hi"}).status_code == 403

    # On a case they may see, they write notes like anyone.
    other = report(client, category="terms_violation", content_id="post-n5")["case_id"]
    assert (
        client.post(f"/v1/cases/{other}/notes", json={"text": "spam ring?"}, headers=rev)
    ).status_code == 201
