"""Rule: a report by fingerprints alone watches for a matching upload without a running deadline.
Until something matches there is nothing to review: the case is `watching`, in no review queue,
never overdue and never escalated to on-call, however long it waits (a victim's Take It Down-style
report may match months later, or never). The first matching upload puts it in the queues with a
fresh deadline counted from then, and time to action is measured from then too. The reporter's
page says the same before and after a match, so it cannot be used to learn whether a picture is on
the platform."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown import clock
from takedown.api.app import create_app
from takedown.cases.models import Case
from takedown.cases.scheduled import escalate_due_cases
from takedown.notify.models import Notification
from takedown.store.db import session_scope
from takedown.transparency.report import gather
from tests.enforcement_support import decide_violating, moving_clock, scan  # noqa: F401
from tests.media import generated_scene, jpeg
from tests.metrics_support import metrics_text
from tests.review_support import console, make_user, staff_headers
from tests.test_reporters_can_report_by_a_fingerprint_of_their_own_copy import (
    _settle_and_follow,
    by_fingerprint,
)

OWN_COPY = generated_scene(9501)


def _queue(client: TestClient, headers: dict[str, str], queue: str) -> dict[str, Any]:
    answer = client.get(f"/v1/cases?queue={queue}", headers=headers)
    assert answer.status_code == 200, answer.text
    return {case["case_id"]: case for case in answer.json()["cases"]}


def _status_words(client: TestClient, token: str) -> str:
    """The status on the reporter's tracking page, with its class."""
    answer = client.get(f"/track/{token}")
    assert answer.status_code == 200, answer.text
    found = re.search(r'<span class="([^"]*)" id="status">([^<]*)</span>', answer.text)
    assert found, "no status on the tracking page"
    return f"{found.group(1)}: {found.group(2)}"


def _metric(client: TestClient, line_start: str) -> float:
    for line in metrics_text(client).splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no {line_start} in /metrics")


@pytest.mark.usefixtures("moving_clock")
def test_a_report_by_fingerprint_alone_watches_without_a_deadline(settings, make_api_key):  # type: ignore[no-untyped-def]
    settings = settings.model_copy(update={"oncall_webhook_url": "http://oncall.invalid/hook"})
    data = jpeg(OWN_COPY)
    key = make_api_key("scan")
    app = create_app(settings)
    with TestClient(app) as client:
        make_user(settings, "lead", "child_safety_reviewer")
        headers = staff_headers(client, settings, "lead")
        ack = by_fingerprint(client, "non_consensual_intimate_imagery", OWN_COPY, data)
        assert ack["deadline"] is None  # nothing to act on yet
        case_id = ack["case_id"]
        received = _status_words(client, ack["tracking_token"])

        watching = _queue(client, headers, "watching")
        assert watching[case_id]["status"] == "watching"
        assert watching[case_id]["deadline_at"] is None
        assert case_id not in _queue(client, headers, "open")
        reviewer = console(app, "lead")
        listed = reviewer.get("/console/queue?queue=watching").text
        assert case_id in listed and "starts when found" in listed
        assert case_id not in reviewer.get("/console/queue?queue=open").text
        assert 'id="watching"' in reviewer.get(f"/console/cases/{case_id}").text

        # Weeks pass with no match: nothing is overdue, nothing escalates, on-call hears nothing.
        clock.advance(timedelta(days=30))
        assert escalate_due_cases(settings) == 0
        with session_scope(settings.resolved_database_url) as db_session:
            kinds = db_session.scalars(select(Notification.kind)).all()
        assert "case.escalated" not in kinds
        from takedown.cases.metrics import refresh_case_gauges

        refresh_case_gauges(settings)
        assert _metric(client, "takedown_cases_watching ") == 1
        assert _metric(client, 'takedown_cases_overdue{priority="P1"}') == 0
        assert not watching[case_id]["overdue"]

        # A copy is uploaded: the case is found, and its deadline starts now.
        app.state.index.refresh()  # every server's index follows the bank change log
        assert scan(client, key, jpeg(OWN_COPY, quality=80), "post-9", "acct-9")["verdict"] == (
            "review"
        )
        _settle_and_follow(settings, app)
        found = _queue(client, headers, "open")[case_id]
        assert found["status"] == "open"
        assert found["found_at"] is not None
        found_at = clock.now()
        deadline = found["deadline_at"]
        assert deadline is not None
        with session_scope(settings.resolved_database_url) as db_session:
            case = db_session.get(Case, case_id)
            assert case is not None
            assert case.content_id == "post-9"
            assert case.deadline_started_at >= found_at - timedelta(minutes=1)
            assert case.deadline_at > found_at  # a fresh window, not one that ran out weeks ago
            assert case.next_escalation_at is not None
        assert case_id not in _queue(client, headers, "watching")
        page = console(app, "lead").get(f"/console/cases/{case_id}").text  # weeks later
        assert 'id="watching"' not in page and "after watching since the report" in page
        # The reporter's page reads the same as before the match.
        assert _status_words(client, ack["tracking_token"]) == received

        clock.advance(timedelta(minutes=30))
        decide_violating(client, settings, case_id, username="lead-2", policy="ncii")
        # ... and after the decision (docs: a report by fingerprint alone is told no outcome).
        assert _status_words(client, ack["tracking_token"]) == received
        with session_scope(settings.resolved_database_url) as db_session:
            figures = gather(
                db_session=db_session,
                start=found_at - timedelta(days=60),
                end=clock.now() + timedelta(days=1),
            )
    (hours,) = [h for c, _, h in figures.hours_to_action if c == case_id]
    assert 0.45 <= hours <= 0.75  # from the match, not from the report a month earlier
    assert figures.deadline_breaches["non_consensual_intimate_imagery"] == 0


def test_open_fingerprint_cases_of_an_earlier_version_start_watching(database_url, client):  # type: ignore[no-untyped-def]
    """Migration 0023 moves open cases that only fingerprints located, unmatched, to watching;
    a case about an address stays open."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from takedown.store.migrate import alembic_config, upgrade

    by_print = by_fingerprint(client, "child_sexual_abuse", OWN_COPY, jpeg(OWN_COPY))["case_id"]
    by_address = client.post(
        "/v1/reports",
        json={"category": "child_sexual_abuse", "content_url": "https://platform.example/p/1"},
    ).json()["case_id"]
    command.downgrade(alembic_config(database_url), "0022_sealed_two_factor_secrets")
    engine = create_engine(database_url)
    with engine.begin() as connection:  # as 0022 kept it: open, escalating
        connection.execute(text("UPDATE cases SET next_escalation_at = deadline_at"))
        assert set(connection.execute(text("SELECT status FROM cases")).scalars()) == {"open"}
    engine.dispose()
    upgrade(database_url)

    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = {
            case_id: (status, escalates is not None)
            for case_id, status, escalates in connection.execute(
                text("SELECT id, status, next_escalation_at FROM cases")
            )
        }
    engine.dispose()
    assert rows == {by_print: ("watching", False), by_address: ("open", True)}
