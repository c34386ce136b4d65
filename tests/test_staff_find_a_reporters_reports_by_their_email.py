"""Rule: a reporter who lost their link and reference is found by the email address they gave.
Staff type it into the console's find box (or `GET /v1/reports?reporter_email=`): the reports
made with it, newest first, with their cases; child-safety cases only for child-safety reviewers
(others are told how many); every lookup audited by a keyed hash of the address, never the
address or its plain hash."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from takedown.addresses import address_hash
from takedown.audit.models import AuditEntry
from takedown.store.db import session_scope
from tests.review_support import console, make_user, report, staff_headers

MOTHER = {"role": "parent_or_guardian", "email": "Mother@Example.org"}


def test_staff_find_a_reporters_reports_by_their_email(client, settings):  # type: ignore[no-untyped-def]
    abuse = report(client, category="child_sexual_abuse", content_id="p-1", reporter=MOTHER)
    terms = report(
        client,
        category="terms_violation",
        content_id="p-2",
        reporter={"name": "Mum", "email": "mother@example.org"},
    )
    report(client, category="terms_violation", content_id="p-3", content_url="https://e.x/3")
    make_user(settings, "csr", "child_safety_reviewer")
    make_user(settings, "rev", "reviewer")

    found = client.get(
        "/v1/reports",
        params={"reporter_email": " MOTHER@example.org "},
        headers=staff_headers(client, settings, "csr"),
    ).json()
    assert [r["report_id"] for r in found["reports"]] == [terms["report_id"], abuse["report_id"]]
    assert found["reports"][1]["case_id"] == abuse["case_id"] and found["hidden_reports"] == 0

    plain = client.get(
        "/v1/reports",
        params={"reporter_email": "mother@example.org"},
        headers=staff_headers(client, settings, "rev"),
    ).json()
    assert [r["report_id"] for r in plain["reports"]] == [terms["report_id"]]
    assert plain["hidden_reports"] == 1
    refused = client.get(
        "/v1/reports",
        params={"reporter_email": "not an address"},
        headers=staff_headers(client, settings, "rev"),
    )
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_email"

    browser = console(client.app, "rev")
    opened = browser.get("/console/find", params={"reference": "mother@example.org"})
    assert opened.url.path == "/console/reporter"
    assert terms["case_id"] in opened.text and abuse["case_id"] not in opened.text
    assert 'id="hidden-reports"' in opened.text

    with session_scope(settings.resolved_database_url) as db_session:
        audited = db_session.scalars(
            select(AuditEntry).where(AuditEntry.action == "reports.looked_up_by_email")
        ).all()
    keyed = address_hash(settings, "mother@example.org")
    assert len(audited) == 3 and {a.subject for a in audited} == {f"email-hmac:{keyed}"}
    # Not a plain hash: whoever reads the log cannot check a guessed address against it.
    plain = hashlib.sha256(b"mother@example.org").hexdigest()
    assert all(plain not in a.subject for a in audited)
    assert all("mother" not in str(a.details).lower() for a in audited)
