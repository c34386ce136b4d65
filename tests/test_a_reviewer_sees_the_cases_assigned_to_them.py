"""Rule: a reviewer learns that a lead routed cases to them without going to look: every queue
page they open says how many open cases are assigned to them, with a link to their "mine" queue
(the mine tab carries the number too). It goes when the cases are decided or unassigned, and
says nothing to anyone else."""

from __future__ import annotations

import re

from tests.review_support import console, make_user, report, staff_headers


def assigned_notice(page: str) -> str | None:
    found = re.search(r'<p[^>]*id="assigned-to-you"[^>]*>(.*?)</p>', page, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else None


def test_a_reviewer_sees_the_cases_assigned_to_them(client, app, settings):  # type: ignore[no-untyped-def]
    make_user(settings, "ana", "reviewer")
    make_user(settings, "bo", "reviewer")
    make_user(settings, "lead", "admin")
    lead = staff_headers(client, settings, "lead")
    cases = [
        report(
            client,
            category="terms_violation",
            content_id=f"p-{n}",
            content_url=f"https://platform.example/p/{n}",
            explanation="spam",
        )["case_id"]
        for n in range(3)
    ]
    assert len(set(cases)) == 3
    ana, bo = console(app, "ana"), console(app, "bo")
    assert assigned_notice(ana.get("/console/queue").text) is None

    for case_id in cases[:2]:
        routed = client.post(
            f"/v1/cases/{case_id}/assignment", json={"username": "ana"}, headers=lead
        )
        assert routed.status_code == 200, routed.text
    queue = ana.get("/console/queue").text
    assert assigned_notice(queue) == "2 cases are assigned to you: see your mine queue."
    assert 'href="/console/queue?queue=mine"' in queue
    assert re.search(r">mine \(2\)</a>", queue)
    assert assigned_notice(ana.get("/console/queue?queue=second_review").text) is not None
    assert assigned_notice(bo.get("/console/queue").text) is None  # nobody else's

    decided = client.post(
        f"/v1/cases/{cases[0]}/decisions",
        json={"outcome": "violating", "policy": "terms_of_service", "reason": "spam"},
        headers=staff_headers(client, settings, "bo"),
    )
    assert decided.status_code == 201, decided.text
    assert assigned_notice(ana.get("/console/queue").text) == (
        "1 case is assigned to you: see your mine queue."
    )
    client.post(f"/v1/cases/{cases[1]}/assignment", json={"username": ""}, headers=lead)
    assert assigned_notice(ana.get("/console/queue").text) is None
