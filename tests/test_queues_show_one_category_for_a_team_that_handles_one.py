"""Rule: queues show one category for a team that handles one (intimate imagery, say): the
console's category filter and `GET /v1/cases?category=` keep the queue's order and visibility and
narrow it; the queue tabs keep the filter; an unknown category is refused."""

from __future__ import annotations

from tests.review_support import console, make_user, report, staff_headers


def test_queues_show_one_category_for_a_team_that_handles_one(client, settings):
    abuse = report(client, category="child_sexual_abuse", content_id="post-q1")["case_id"]
    intimate = report(
        client,
        category="non_consensual_intimate_imagery",
        content_url="https://platform.example/p/q2",
    )["case_id"]
    terms = report(client, category="terms_violation", content_url="https://platform.example/p/q3")[
        "case_id"
    ]
    make_user(settings, "csr", "child_safety_reviewer")
    csr = staff_headers(client, settings, "csr")

    def listed(**query: str) -> list[str]:
        answer = client.get("/v1/cases", params=query, headers=csr)
        assert answer.status_code == 200, answer.text
        return [c["case_id"] for c in answer.json()["cases"]]

    assert listed() == [abuse, intimate, terms]  # most urgent first
    assert listed(category="non_consensual_intimate_imagery") == [intimate]
    assert listed(queue="child_safety", category="terms_violation") == []
    refused = client.get("/v1/cases", params={"category": "spam"}, headers=csr)
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_category"

    browser = console(client.app, "csr")
    page = browser.get("/console/queue?category=non_consensual_intimate_imagery").text
    assert intimate in page and abuse not in page and terms not in page
    assert 'href="/console/queue?queue=closed&amp;category=non_consensual_intimate_imagery"' in page
    assert '<option value="non_consensual_intimate_imagery" selected>' in page

    # A plain reviewer's filtered queue still hides child-safety cases.
    make_user(settings, "rev", "reviewer")
    rev = staff_headers(client, settings, "rev")
    hidden = client.get("/v1/cases", params={"category": "child_sexual_abuse"}, headers=rev)
    assert hidden.json()["cases"] == []
