"""Rule: a case says why it has its priority: the staff API's `priority_reasons` and the console's
case page name each fact that raised it (a minor shown, a police case number, reported by the
person shown or a parent, repeated reports, ...); a plain P2 report names none."""

from __future__ import annotations

from tests.reports_support import file_report
from tests.review_support import console, make_user, staff_headers


def test_case_shows_why_it_has_its_priority(app, client, settings) -> None:
    make_user(settings, "lead", "child_safety_reviewer")
    headers = staff_headers(client, settings, "lead")
    urgent = file_report(
        client,
        "child_sexual_abuse",
        content_id="post-urgent",
        subject_is_minor="yes",
        law_enforcement={"agency": "Example Police", "case_number": "2026-77"},
    )
    plain = file_report(client, "terms_violation", content_id="post-plain")
    for number in range(3):
        repeated = file_report(
            client,
            "terms_violation",
            content_id="post-repeated",
            reporter={"name": f"R{number}", "email": f"r{number}@example.org"},
        )

    def reasons(case_id: str) -> list[str]:
        answer = client.get(f"/v1/cases/{case_id}", headers=headers)
        assert answer.status_code == 200, answer.text
        return answer.json()["priority_reasons"]

    assert reasons(urgent["case_id"]) == [
        "child sexual abuse or exploitation",
        "a minor is shown",
        "a police case number",
    ]
    assert reasons(plain["case_id"]) == []
    assert reasons(repeated["case_id"]) == ["reported repeatedly"]

    page = console(app, "lead").get(f"/console/cases/{urgent['case_id']}")
    assert page.status_code == 200
    assert "a minor is shown; a police case number" in page.text
