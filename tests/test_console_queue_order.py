"""Queues put the most urgent case first: priority, then (at equal priority) reporters ranked
lower after the others, then escalation level, then deadline. Overdue cases show red."""

from __future__ import annotations

import re
from datetime import timedelta

from takedown import clock
from takedown.cases.scheduled import escalate_due_cases
from tests.review_support import console, make_user, report, staff_headers


def _ids(client, headers, queue="open"):  # type: ignore[no-untyped-def]
    answer = client.get(f"/v1/cases?queue={queue}", headers=headers)
    assert answer.status_code == 200, answer.text
    return [c["case_id"] for c in answer.json()["cases"]]


def test_priority_then_escalation_then_deadline(client, settings):
    make_user(settings, "admin1", "admin")
    headers = staff_headers(client, settings, "admin1")
    p2_old = report(client, category="terms_violation", content_url="https://p.example/a")
    clock.advance(timedelta(minutes=5))
    p2_new = report(client, category="terms_violation", content_url="https://p.example/b")
    p1 = report(client, category="child_sexual_abuse", content_id="p1")  # anonymous: P1
    p0 = report(client, category="child_sexual_abuse", content_id="p0", subject_is_minor="yes")
    order = _ids(client, headers)
    assert order == [p0["case_id"], p1["case_id"], p2_old["case_id"], p2_new["case_id"]]

    # Escalation and breach never lift a P2 above a P1; among P2s the escalated come first.
    clock.advance(timedelta(days=3, hours=12, minutes=1))  # the newer P2 is past 50 % now too
    escalate_due_cases(settings)
    third = report(client, category="terms_violation", content_url="https://p.example/c")
    clock.advance(timedelta(days=3, hours=12, minutes=2))  # third: 50 %; the older two: breach
    escalate_due_cases(settings)
    order = _ids(client, headers)
    assert order.index(p1["case_id"]) < order.index(p2_old["case_id"])
    assert order.index(p2_new["case_id"]) < order.index(third["case_id"])


def test_ranked_lower_reporters_come_after_others_at_equal_priority(client, settings):
    make_user(settings, "admin1", "admin")
    headers = staff_headers(client, settings, "admin1")
    flag = client.post(
        "/v1/reporters/flags",
        json={"email": "spammer@example.org", "reason": "manifestly unfounded"},
        headers=headers,
    )
    assert flag.status_code == 200, flag.text
    flagged = report(
        client,
        category="terms_violation",
        content_url="https://p.example/x",
        reporter={"name": "S", "email": "spammer@example.org"},
    )
    clock.advance(timedelta(minutes=1))
    normal = report(client, category="terms_violation", content_url="https://p.example/y")
    p1 = report(
        client, category="non_consensual_intimate_imagery", content_url="https://p.example/z"
    )
    order = _ids(client, headers)
    assert order == [p1["case_id"], normal["case_id"], flagged["case_id"]]


def test_overdue_cases_show_red_in_the_console(client, app, settings):
    make_user(settings, "carol", "child_safety_reviewer")
    urgent = report(client, category="child_sexual_abuse", content_id="u", subject_is_minor="yes")
    calm = report(client, category="terms_violation", content_url="https://p.example/calm")
    clock.advance(timedelta(hours=2))  # P0 deadline is 1 h
    escalate_due_cases(settings)
    page = console(app, "carol").get("/console/queue").text
    rows = re.findall(r'<tr class="case-row ([^"]*)" data-case-id="([^"]+)"', page)
    classes = {case_id: css for css, case_id in rows}
    assert "overdue" in classes[urgent["case_id"]]
    assert "overdue" not in classes[calm["case_id"]]
    assert rows[0][1] == urgent["case_id"]
    # How long is left, or how long past, at a glance beside each deadline.
    assert "(1 h overdue)" in page and "(in 6 days)" in page
    assert "Keyboard shortcuts" in page and "<kbd>j</kbd>" in page
