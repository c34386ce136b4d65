"""Rule: a reporter told "no violation" is not left with it. When a later case about the same
post (reported again, or referred to child-safety review) takes action, the reporters of the
earlier cases decided "no violation" are emailed, in their language, and their tracking page
says so. A reporter of the later case hears its decision only, once."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown.notify.models import Notification
from takedown.store.db import session_scope
from tests.review_support import make_user, report, staff_headers

POST = {"content_id": "post-77", "content_url": "https://platform.example/p/77"}


def _reporter(name: str, email: str) -> dict[str, str]:
    return {"name": name, "email": email}


def _decide(client: TestClient, headers: dict[str, str], case_id: str, outcome: str) -> None:
    body = {"outcome": outcome, "reason": "reviewed"}
    if outcome == "violating":
        body["policy"] = "terms_of_service"
    answer = client.post(f"/v1/cases/{case_id}/decisions", json=body, headers=headers)
    assert answer.status_code == 201, answer.text


def _mail(settings) -> list[tuple[str, str, str | None, str]]:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        return [
            (n.kind, n.recipient, n.case_id, n.subject)
            for n in db_session.scalars(select(Notification).order_by(Notification.id))
            if n.kind in ("decision", "later_action")
        ]


def test_reporters_told_no_violation_hear_when_action_is_taken_later(client, settings):
    make_user(settings, "rita", "reviewer")
    make_user(settings, "ruth", "reviewer")
    rita, ruth = staff_headers(client, settings, "rita"), staff_headers(client, settings, "ruth")
    mother = report(
        client,
        category="terms_violation",
        reporter=_reporter("Madre", "madre@example.org"),
        language="es",
        **POST,
    )
    victim_first = report(
        client, category="terms_violation", reporter=_reporter("V", "v@example.org"), **POST
    )
    first_case = mother["case_id"]
    assert victim_first["case_id"] == first_case
    _decide(client, rita, first_case, "no_violation")
    assert "later-action" not in client.get(f"/track/{mother['tracking_token']}").text

    # Reported again: a new case, decided by someone else, takes action.
    victim_again = report(
        client, category="terms_violation", reporter=_reporter("V", "v@example.org"), **POST
    )
    bystander = report(
        client, category="terms_violation", reporter=_reporter("B", "b@example.org"), **POST
    )
    second_case = victim_again["case_id"]
    assert second_case != first_case and bystander["case_id"] == second_case
    _decide(client, ruth, second_case, "violating")

    later = [m for m in _mail(settings) if m[0] == "later_action"]
    assert later == [
        (
            "later_action",
            "madre@example.org",
            first_case,
            f"Actualización sobre tu reporte ({first_case})",
        )
    ]
    decisions = sorted((m[1], m[2]) for m in _mail(settings) if m[0] == "decision")
    assert decisions == [
        ("b@example.org", second_case),
        ("madre@example.org", first_case),
        ("v@example.org", first_case),
        ("v@example.org", second_case),  # the victim hears the new decision once, nothing more
    ]

    page = client.get(f"/track/{mother['tracking_token']}").text
    assert 'id="later-action"' in page and "Se revisó de nuevo más tarde" in page
    english = client.get(f"/track/{victim_first['tracking_token']}?lang=en").text
    assert "It was reviewed again later, and action was taken on it" in english
    assert 'id="status"' in english and "no action" in english.lower()  # the decision stands


def test_a_later_no_violation_tells_nobody_anything_new(client, settings):
    make_user(settings, "rita", "reviewer")
    make_user(settings, "ruth", "reviewer")
    rita, ruth = staff_headers(client, settings, "rita"), staff_headers(client, settings, "ruth")
    first = report(
        client, category="terms_violation", reporter=_reporter("A", "a@example.org"), **POST
    )
    _decide(client, rita, first["case_id"], "no_violation")
    second = report(
        client, category="terms_violation", reporter=_reporter("B", "b@example.org"), **POST
    )
    _decide(client, ruth, second["case_id"], "no_violation")
    assert [m for m in _mail(settings) if m[0] == "later_action"] == []
    assert 'id="later-action"' not in client.get(f"/track/{first['tracking_token']}").text
