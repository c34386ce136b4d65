"""Rule: a staff note that should not have been written (it gives a reporter's phone number, a
victim's address) has its text erased by an administrator, who says why, and by nobody else. The
note keeps its place and says who redacted it, when and why; the redaction is audited, the audit
chain stays whole, and the text is gone from the database, on SQLite from its files too.

Through the staff API and the console, as a reviewer and a lead would."""

from __future__ import annotations

from markupsafe import escape
from sqlalchemy import select

from takedown.audit.service import verify
from takedown.cases.models import CaseNote
from takedown.store.db import session_scope
from tests.erasure_support import database_files_hold
from tests.review_support import console, make_user, report, staff_headers, user_id_of

PHONE = "+1 555 0100 4242"
NOTE = f"The mother asked to be called back on {PHONE} after school hours."
REASON = "It gives the reporter's phone number."


def test_a_note_naming_a_reporter_is_redacted_by_an_administrator(client, settings, database_url):  # type: ignore[no-untyped-def]
    case_id = report(client, category="child_sexual_abuse", content_id="post-r1")["case_id"]
    make_user(settings, "csr", "child_safety_reviewer")
    make_user(settings, "lead", "admin")
    csr, lead = (staff_headers(client, settings, name) for name in ("csr", "lead"))
    written = client.post(f"/v1/cases/{case_id}/notes", json={"text": NOTE}, headers=csr)
    assert written.status_code == 201, written.text
    note_id = written.json()["note_id"]
    redaction = f"/v1/cases/{case_id}/notes/{note_id}/redaction"

    refused = client.post(redaction, json={"reason": REASON}, headers=csr)
    assert refused.status_code == 403 and refused.json()["code"] == "admin_only"
    no_reason = client.post(redaction, json={"reason": "  "}, headers=lead)
    assert no_reason.status_code == 422
    assert no_reason.json()["code"] == "redaction_reason_required"
    elsewhere = report(client, category="child_sexual_abuse", content_id="post-r2")["case_id"]
    wrong_case = client.post(
        f"/v1/cases/{elsewhere}/notes/{note_id}/redaction", json={"reason": REASON}, headers=lead
    )
    assert wrong_case.status_code == 404 and wrong_case.json()["code"] == "note_not_found"

    redacted = client.post(redaction, json={"reason": REASON}, headers=lead)
    assert redacted.status_code == 200, redacted.text
    lead_id = user_id_of(settings, "lead")
    assert redacted.json()["text"] == "" and redacted.json()["redacted_by"] == lead_id
    (shown,) = client.get(f"/v1/cases/{case_id}", headers=csr).json()["notes"]
    assert shown["note_id"] == note_id and shown["text"] == ""
    assert shown["redaction_reason"] == REASON and shown["redacted_at"]
    again = client.post(redaction, json={"reason": REASON}, headers=lead)
    assert again.status_code == 409 and again.json()["code"] == "note_redacted"

    entries = client.get(f"/v1/audit?subject={case_id}", headers=lead).json()["entries"]
    (audited,) = [e for e in entries if e["action"] == "case.note_redacted"]
    assert audited["actor"] == f"user:{lead_id}"
    assert audited["details"] == {"note_id": note_id, "reason": REASON}
    assert PHONE not in str(entries)
    with session_scope(settings.resolved_database_url) as db_session:
        assert verify(db_session=db_session) == []
        texts = db_session.scalars(select(CaseNote.text)).all()
    assert all(PHONE not in text for text in texts)
    if database_url.startswith("sqlite"):
        assert not database_files_hold(settings, PHONE)


def test_a_lead_redacts_a_note_in_the_console(client, settings, database_url):  # type: ignore[no-untyped-def]
    case_id = report(client, category="child_sexual_abuse", content_id="post-r3")["case_id"]
    make_user(settings, "csr", "child_safety_reviewer")
    make_user(settings, "lead", "admin")
    reviewer, lead = console(client.app, "csr"), console(client.app, "lead")
    assert reviewer.post(f"/console/cases/{case_id}/notes", {"text": NOTE}).status_code == 303
    if database_url.startswith("sqlite"):
        assert database_files_hold(settings, PHONE)  # the check below can see the text

    assert "Redact this note" not in reviewer.get(f"/console/cases/{case_id}").text
    page = lead.get(f"/console/cases/{case_id}").text
    assert PHONE in page and "Redact this note" in page
    with session_scope(settings.resolved_database_url) as db_session:
        note_id = db_session.scalars(select(CaseNote.id)).one()
    action = f"/console/cases/{case_id}/notes/{note_id}/redaction"
    refused = reviewer.post(action, {"reason": REASON})
    assert refused.status_code == 403 and "administrators redact notes" in refused.text

    answer = lead.post(action, {"reason": REASON})
    assert answer.status_code == 303
    assert answer.headers["location"].endswith("?notice=note_redacted#notes")
    for browser in (lead, reviewer):
        page = browser.get(f"/console/cases/{case_id}").text
        assert PHONE not in page
        assert "Redacted by lead on" in page and str(escape(REASON)) in page
        assert "Notes (1)" in page
    if database_url.startswith("sqlite"):
        assert not database_files_hold(settings, PHONE)
