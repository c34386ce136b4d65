"""A reviewer working down a queue page by page never misses a case because its place in the
order moved meanwhile: a case raised (or new, or reopened) ahead of where the page before ended
opens the next page, marked, instead of being skipped silently (review/queue_paging.py)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from takedown import clock
from takedown.console import views as console_views
from tests.review_support import console, make_user, report, staff_headers


def _p2_cases(client: Any, count: int) -> list[str]:
    ids = []
    for n in range(count):
        ack = report(client, category="terms_violation", content_url=f"https://p.example/{n}")
        ids.append(ack["case_id"])
        clock.advance(timedelta(minutes=1))  # deadlines in this order
    return ids


def _page(client: Any, headers: dict[str, str], after: str | None = None) -> dict[str, Any]:
    query = "/v1/cases?queue=open&limit=2" + (f"&after={after}" if after else "")
    answer = client.get(query, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _raise_to_child_safety(client: Any, n: int) -> None:
    report(client, category="child_sexual_abuse", content_url=f"https://p.example/{n}")


def test_a_case_raised_ahead_of_the_cursor_opens_the_next_page(client, settings):
    make_user(settings, "lead", "child_safety_reviewer")
    headers = staff_headers(client, settings, "lead")
    a, b, c, d = _p2_cases(client, 4)
    first = _page(client, headers)
    assert [case["case_id"] for case in first["cases"]] == [a, b]
    assert first["changed_ahead"] == []

    _raise_to_child_safety(client, 3)  # d is now P1: it sorts before the cursor
    second = _page(client, headers, first["next"])
    shown = [case["case_id"] for case in second["cases"]]
    assert shown[0] == d and second["cases"][0]["priority"] == "P1"
    assert second["changed_ahead"] == [d]
    assert shown == [d, c]  # and a, b, already shown and unchanged, are not repeated
    assert second["next"] is None


def test_a_page_after_a_quiet_one_repeats_nothing(client, settings):
    make_user(settings, "lead", "child_safety_reviewer")
    headers = staff_headers(client, settings, "lead")
    cases = _p2_cases(client, 5)
    seen: list[str] = []
    after = None
    while True:
        answer = _page(client, headers, after)
        seen += [case["case_id"] for case in answer["cases"]]
        assert answer["changed_ahead"] == []
        after = answer["next"]
        if after is None:
            break
        clock.advance(timedelta(minutes=1))  # the reviewer works the page
    assert seen == cases


def test_a_cursor_from_before_changes_were_tracked_still_pages(client, settings):
    make_user(settings, "lead", "child_safety_reviewer")
    headers = staff_headers(client, settings, "lead")
    *_, c = _p2_cases(client, 3)
    first = _page(client, headers)
    keys_only = first["next"].partition(".")[0]
    assert [case["case_id"] for case in _page(client, headers, keys_only)["cases"]] == [c]
    for broken in (f"{keys_only}.x", f"{keys_only}.{'9' * 30}"):
        refused = client.get(f"/v1/cases?queue=open&limit=2&after={broken}", headers=headers)
        assert refused.status_code == 422 and refused.json()["code"] == "invalid_cursor"


def test_the_console_queue_pages_on_and_marks_a_case_raised_since_the_page_before(
    client, app, settings, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(console_views, "QUEUE_PAGE_SIZE", 2)
    make_user(settings, "carol", "child_safety_reviewer")
    a, b, c, d = _p2_cases(client, 4)
    browser = console(app, "carol")
    first = browser.get("/console/queue").text
    assert re.findall(r'data-case-id="([^"]+)"', first) == [a, b]
    next_link = re.search(r'href="(/console/queue\?[^"]*after=[^"]+)" id="next-page"', first)
    assert next_link, "the first page links to the next"

    _raise_to_child_safety(client, 3)
    second = browser.get(next_link.group(1).replace("&amp;", "&")).text
    assert re.findall(r'data-case-id="([^"]+)"', second) == [d, c]
    row_of_d = second[second.index(f'data-case-id="{d}"') :].split("</tr>")[0]
    assert "changed since the page before" in row_of_d
    assert 'id="first-page"' in second
