"""A reporter adds to their report from its tracking page while the case is open: what they
learnt since, a police case number they got later, that the person shown is a child. It lands on
the case the reviewer already has, raises the case's priority and tightens its deadline when it
adds what the priority rule counts, and is audited. A decided case takes an appeal instead; an
empty addition, and a flood of them, are refused."""

from __future__ import annotations

from sqlalchemy import select

from takedown.audit.models import AuditEntry
from takedown.cases.models import Case
from takedown.reports.additions import MAX_ADDITIONS
from takedown.store.db import session_scope
from tests.review_support import console, make_user, staff_headers


def _file(client) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    answer = client.post(
        "/v1/reports",
        json={
            "category": "non_consensual_intimate_imagery",
            "content_url": "https://platform.example/p/77",
            "explanation": "a picture of me shared without my consent",
            "reporter": {"role": "victim", "name": "A Person", "email": "person@example.org"},
            "good_faith_statement": True,
            "signature": "A Person",
        },
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    token = body["status_url"].rsplit("/", 1)[1]
    return body["case_id"], token


def _case(settings, case_id: str) -> Case:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        case = db_session.get(Case, case_id)
        db_session.expunge(case)
        return case


def _add(client, token: str, **fields: str):  # type: ignore[no-untyped-def]
    return client.post(f"/track/{token}/information", data=fields, follow_redirects=False)


def test_added_information_reaches_the_case_and_raises_its_priority(app, client, settings):
    case_id, token = _file(client)
    before = _case(settings, case_id)
    page = client.get(f"/track/{token}").text
    assert 'action="/track/' + token + '/information"' in page
    answer = _add(
        client,
        token,
        text="I was 15 in this picture. The police have opened a case.",
        police_agency="Metropolitan Police",
        police_case_number="CR-2026-0042",
        subject_is_minor="yes",
    )
    assert answer.status_code == 303
    assert "added=1" in answer.headers["location"]
    assert "We added it to your report" in client.get(answer.headers["location"]).text
    after = _case(settings, case_id)
    assert (before.priority, after.priority) == ("P1", "P0")
    assert after.deadline_at < before.deadline_at

    make_user(settings, "carol", "child_safety_reviewer")
    carol = console(app, "carol")
    case_page = carol.get(f"/console/cases/{case_id}").text
    assert "I was 15 in this picture." in case_page
    assert "CR-2026-0042" in case_page
    assert "a police case number" in case_page and "a minor is shown" in case_page
    assert "report.information_added" in _actions(settings, case_id)
    assert "case.priority_raised" in _actions(settings, case_id)
    detail = client.get(f"/v1/cases/{case_id}", headers=staff_headers(client, settings, "carol"))
    (added,) = detail.json()["reports"][0]["additions"]
    assert added["law_enforcement_case_number"] == "CR-2026-0042" and added["subject_is_minor"]


def test_empty_additions_and_floods_are_refused(client, settings):
    _, token = _file(client)
    assert _add(client, token, text="   ").status_code == 422
    for number in range(MAX_ADDITIONS):
        assert _add(client, token, text=f"detail {number}").status_code == 303
    assert _add(client, token, text="one more").status_code == 409
    assert _add(client, "no-such-token", text="hello").status_code == 404


def test_a_decided_case_takes_an_appeal_not_an_addition(app, client, settings):
    case_id, token = _file(client)
    make_user(settings, "carol", "child_safety_reviewer")
    carol = console(app, "carol")
    assert carol.decide(case_id, "violating", policy="ncii").status_code == 303
    page = client.get(f"/track/{token}").text
    assert "/information" not in page and "Disagree with the decision?" in page
    refused = _add(client, token, text="more")
    assert refused.status_code == 409 and "appeal" in refused.text
    assert "report.information_added" not in _actions(settings, case_id)


def _actions(settings, case_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        return list(
            db_session.scalars(select(AuditEntry.action).where(AuditEntry.subject == case_id))
        )
