"""Rule: a reviewer who reads a language can take the reports written in it. The console's
"Reported in" filter and `GET /v1/cases?language=` narrow any queue to cases with a report in
that language (a report with none was made in English), keep the queue's order, and the queue
tabs keep the filter."""

from __future__ import annotations

from tests.review_support import console, make_user, report, staff_headers


def test_queues_show_reports_in_one_language_for_those_who_read_it(client, settings):  # type: ignore[no-untyped-def]
    spanish = report(
        client,
        category="child_sexual_exploitation",
        content_id="post-l1",
        language="es",
        explanation="Una cuenta amenaza a mi hija.",
    )["case_id"]
    english = report(client, category="child_sexual_abuse", content_id="post-l2")["case_id"]
    make_user(settings, "csr", "child_safety_reviewer")
    csr = staff_headers(client, settings, "csr")

    def listed(**query: str) -> list[str]:
        answer = client.get("/v1/cases", params=query, headers=csr)
        assert answer.status_code == 200, answer.text
        return [c["case_id"] for c in answer.json()["cases"]]

    assert sorted(listed()) == sorted([spanish, english])
    assert listed(language="es") == [spanish]
    assert listed(language="en") == [english]
    assert listed(language="de") == []

    page = console(client.app, "csr").get("/console/queue?language=es").text
    assert spanish in page and english not in page
    assert 'href="/console/queue?queue=closed&amp;language=es"' in page
    assert '<option value="es" selected>' in page
