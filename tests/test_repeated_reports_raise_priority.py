"""Rule: a post reported again and again goes up a priority level once
`repeated_reports_raise_at` (3) reports are about it: P2 to P1, and child-safety or NCII reports
from P1 to P0, with the tighter deadline. Reports on an earlier case about the same post that
was closed ("no violation") count; reports from reporters flagged as unfounded do not."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient

from tests.reports_support import file_report
from tests.review_support import make_user, staff_headers


def _reporter(number: int) -> dict[str, object]:
    return {"reporter": {"name": f"R{number}", "email": f"r{number}@example.org"}}


def _case(client: TestClient, settings, case_id: str) -> dict:  # type: ignore[no-untyped-def]
    answer = client.get(f"/v1/cases/{case_id}", headers=staff_headers(client, settings, "lead"))
    assert answer.status_code == 200, answer.text
    return answer.json()


def _deadline(case: dict) -> datetime:
    return datetime.fromisoformat(case["deadline_at"])


def test_repeated_reports_raise_priority(client, settings):
    make_user(settings, "lead", "child_safety_reviewer")
    seen: dict[str, list[str]] = {}
    deadlines: dict[str, list[datetime]] = {}
    for category, post in (
        ("terms_violation", "post-spam"),
        ("child_sexual_abuse", "post-csam"),
        ("non_consensual_intimate_imagery", "post-ncii"),
    ):
        case_ids = set()
        for number in range(3):
            fields = _reporter(number) if category == "terms_violation" else {}
            answer = file_report(client, category, content_id=post, **fields)
            case_ids.add(answer["case_id"])
            case = _case(client, settings, answer["case_id"])
            seen.setdefault(category, []).append(case["priority"])
            deadlines.setdefault(category, []).append(_deadline(case))
        assert len(case_ids) == 1
    assert seen["terms_violation"] == ["P2", "P2", "P1"]
    assert seen["child_sexual_abuse"] == ["P1", "P1", "P0"]
    assert seen["non_consensual_intimate_imagery"] == ["P1", "P1", "P0"]
    for category in seen:
        assert deadlines[category][2] < deadlines[category][1]  # the raise tightened it


def test_reports_on_a_closed_no_violation_case_count(client, settings):
    make_user(settings, "lead", "child_safety_reviewer")
    make_user(settings, "rev", "reviewer")
    first = file_report(client, "terms_violation", content_id="post-again", **_reporter(1))
    decided = client.post(
        f"/v1/cases/{first['case_id']}/decisions",
        json={"outcome": "no_violation", "reason": "looked fine"},
        headers=staff_headers(client, settings, "rev"),
    )
    assert decided.status_code == 201, decided.text
    second = file_report(client, "terms_violation", content_id="post-again", **_reporter(2))
    assert second["case_id"] != first["case_id"]  # a fresh case for a fresh look
    assert _case(client, settings, second["case_id"])["priority"] == "P2"
    third = file_report(client, "terms_violation", content_id="post-again", **_reporter(3))
    assert third["case_id"] == second["case_id"]
    assert _case(client, settings, third["case_id"])["priority"] == "P1"


def test_flagged_reporters_do_not_count_towards_repeated_reports(client, settings):
    make_user(settings, "lead", "child_safety_reviewer")
    make_user(settings, "admin1", "admin")
    flagged = client.post(
        "/v1/reporters/flags",
        json={"email": "spammer@example.org", "reason": "manifestly unfounded"},
        headers=staff_headers(client, settings, "admin1"),
    )
    assert flagged.status_code == 200, flagged.text
    spam = {"reporter": {"name": "S", "email": "spammer@example.org"}}
    for _ in range(4):
        answer = file_report(client, "terms_violation", content_id="post-target", **spam)
    assert _case(client, settings, answer["case_id"])["priority"] == "P2"
    file_report(client, "terms_violation", content_id="post-target", **_reporter(1))
    file_report(client, "terms_violation", content_id="post-target", **_reporter(2))
    assert _case(client, settings, answer["case_id"])["priority"] == "P2"  # two that count
    file_report(client, "terms_violation", content_id="post-target", **_reporter(3))
    assert _case(client, settings, answer["case_id"])["priority"] == "P1"
