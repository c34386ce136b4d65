"""Rule: text with a NUL character (U+0000) in it, which no person types but a broken client or a
prober sends, never makes a 500. PostgreSQL's text and JSON cannot hold it, so every field of a
report, a scan, a note and their JSON documents failed there. Every database now keeps U+FFFD in
its place: the report is accepted and kept the same way on SQLite and PostgreSQL, and a platform
that sends the same content id again finds its scans. What is hashed before it is stored (the
audit chain, a note's digest) is hashed as it is kept, so the chain still verifies."""

from __future__ import annotations

import hashlib

from hypothesis import HealthCheck, example, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from takedown.audit.service import verify
from takedown.store.db import session_scope
from tests.enforcement_support import decide_violating
from tests.media import generated_scene, jpeg
from tests.review_support import make_user, staff_headers

NUL, KEPT = "\x00", "\ufffd"


def test_text_with_a_nul_character_is_kept_on_every_database(client, settings, auth_header):  # type: ignore[no-untyped-def]
    filed = client.post(
        "/v1/reports",
        json={
            "category": "non_consensual_intimate_imagery",
            "content_url": "https://platform.example/p/nul-1",
            "content_id": f"post{NUL}1",
            "explanation": f"It is me{NUL}, shared without my consent.",
            "reporter": {"role": "victim", "name": f"Ana{NUL}", "email": "ana@example.org"},
            "good_faith_statement": True,
            "signature": f"Ana{NUL}",
        },
    )
    assert filed.status_code == 201, filed.text

    scanned = client.post(
        "/v1/scan",
        files={"file": ("a.jpg", jpeg(generated_scene(7101)), "image/jpeg")},
        data={"content_id": f"post{NUL}1", "account_id": f"acct{NUL}9"},
        headers=auth_header("scan"),
    )
    assert scanned.status_code == 200, scanned.text

    make_user(settings, "csr", "child_safety_reviewer")
    staff = staff_headers(client, settings, "csr")
    case_id = filed.json()["case_id"]
    noted = client.post(
        f"/v1/cases/{case_id}/notes", json={"text": f"Called{NUL} back."}, headers=staff
    )
    assert noted.status_code == 201, noted.text

    case = client.get(f"/v1/cases/{case_id}", headers=staff).json()
    (report,) = case["reports"]
    assert report["explanation"] == f"It is me{KEPT}, shared without my consent."
    assert case["content_id"] == f"post{KEPT}1"
    assert [note["text"] for note in case["notes"]] == [f"Called{KEPT} back."]
    post = client.get("/v1/content", params={"content_id": f"post{NUL}1"}, headers=staff).json()
    assert [scan["account_id"] for scan in post["scans"]] == [f"acct{KEPT}9"]
    assert [about["case_id"] for about in post["cases"]] == [case_id]

    # A JSON document from what staff typed (the redaction's audited reason), and the digests.
    make_user(settings, "lead", "admin")
    lead = staff_headers(client, settings, "lead")
    note_id = noted.json()["note_id"]
    redacted = client.post(
        f"/v1/cases/{case_id}/notes/{note_id}/redaction",
        json={"reason": f"Wrong{NUL} case."},
        headers=lead,
    )
    assert redacted.status_code == 200, redacted.text
    entries = client.get(f"/v1/audit?subject={case_id}", headers=lead).json()["entries"]
    (why,) = [e["details"]["reason"] for e in entries if e["action"] == "case.note_redacted"]
    assert why == f"Wrong{KEPT} case."
    (added,) = [e["details"] for e in entries if e["action"] == "case.note_added"]
    assert added["sha256"] == hashlib.sha256(f"Called{KEPT} back.".encode()).hexdigest()
    # A decision, and its reason as it is kept, in the answer and when read again.
    decided = decide_violating(
        client, settings, case_id, username="rev-1", policy="ncii", reason=f"Confirmed{NUL}."
    )
    assert decided["decision"]["reason"] == f"Confirmed{KEPT}."  # the answer says what is kept
    decisions = client.get(f"/v1/cases/{case_id}", headers=staff).json()["decisions"]
    assert [d["reason"] for d in decisions] == [f"Confirmed{KEPT}."]
    with session_scope(settings.resolved_database_url) as db_session:
        assert verify(db_session=db_session) == []


@hyp_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(
        alphabet=st.characters(blacklist_categories=["Cs"]),  # JSON cannot carry lone surrogates
        min_size=1,
        max_size=200,
    )
)
@example(text=f"a{NUL}b")  # what PostgreSQL cannot hold, every run
def test_no_text_in_a_report_makes_a_server_error(client, text: str) -> None:  # type: ignore[no-untyped-def]
    answer = client.post(
        "/v1/reports",
        json={
            "category": "child_sexual_abuse",
            "content_url": "https://platform.example/p/fuzz",
            "explanation": text,
            "reporter": {"name": text[:200]},
            "law_enforcement": {"agency": text[:200], "case_number": text[:100]},
        },
    )
    assert answer.status_code in (201, 422), answer.text
