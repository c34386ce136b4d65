"""Rule: leads see the backlog and the pipelines at a glance. The console's Overview page and
`GET /v1/overview` show the open cases by priority with what is overdue and how old the oldest
is, the last week's time to action, what waits on a person (second reviews, appeals, cases about
held uploads, flagged accounts), and the pipelines behind decisions; what needs someone now is
said in words. Counts only, from the database, on an embedded server with no Prometheus."""

from __future__ import annotations

from datetime import timedelta

import pytest

from takedown import clock
from tests.enforcement_support import decide_violating, moving_clock  # noqa: F401 (fixture)
from tests.review_support import console, make_user, report, staff_headers


@pytest.mark.usefixtures("moving_clock")
def test_leads_see_the_backlog_and_pipelines_at_a_glance(client, settings):
    urgent = report(
        client,
        category="child_sexual_abuse",
        content_id="post-o1",
        subject_is_minor="yes",
        law_enforcement={"agency": "Example Police", "case_number": "2026-77"},
    )["case_id"]
    report(client, category="terms_violation", content_id="post-o2")
    decided = report(client, category="child_sexual_abuse", content_id="post-o3")["case_id"]
    make_user(settings, "lead", "admin")
    lead = staff_headers(client, settings, "lead")

    first = client.get("/v1/overview", headers=lead).json()
    p0, p1, p2 = (first["load"]["by_priority"][p] for p in ("P0", "P1", "P2"))
    assert (p0["open"], p1["open"], p2["open"]) == (1, 1, 1)
    assert p0["overdue"] == 0 and first["problems"] == []

    clock.advance(timedelta(minutes=90))  # past the P0 deadline (1 h), not the others
    decide_violating(client, settings, decided, classification="B1")
    later = client.get("/v1/overview", headers=lead).json()
    p0 = later["load"]["by_priority"]["P0"]
    assert p0["open"] == 1 and p0["overdue"] == 1
    assert later["load"]["by_priority"]["P1"]["open"] == 0
    assert later["load"]["by_priority"]["P1"]["decided_last_day_on_time"] == 1
    assert later["problems"] == ["1 open case past the deadline"]
    week = later["last_week"]
    assert week["actioned"] == 1 and week["no_action"] == 0
    assert week["median_hours_to_action"] == pytest.approx(1.5, abs=0.01)
    # The decision's platform events wait for delivery, and its copy search is counted as the
    # case's enforcement shows it.
    assert later["pipelines"]["webhooks_pending"]["count"] >= 1
    search = client.get(f"/v1/cases/{decided}/enforcement", headers=lead).json()["copy_search"]
    assert later["pipelines"]["copy_searches_running"] == (search["status"] == "pending")

    page = console(client.app, "lead").get("/console/overview").text
    assert 'href="/console/overview"' in page  # in the navigation
    assert 'id="problems"' in page and "1 open case past the deadline" in page
    assert 'data-priority="P0"' in page and "1 h 30 min" in page  # the oldest P0's age
    assert "median 1.5 h" in page
    assert urgent not in page  # counts only


def test_the_overview_is_for_staff(client, settings):
    assert client.get("/v1/overview").status_code == 401
    make_user(settings, "rev", "reviewer")
    rev = staff_headers(client, settings, "rev")
    assert client.get("/v1/overview", headers=rev).status_code == 200
    assert console(client.app, "rev").get("/console/overview").status_code == 200
    signed_out = client.get("/console/overview", follow_redirects=False)
    assert signed_out.status_code in (302, 303, 401)
