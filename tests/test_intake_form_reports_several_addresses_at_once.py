"""Rule: a victim or parent can report several posts of the same material in one go. The public
form takes more addresses, one a line: each becomes a report of its own with the same answers,
stored together (all or none), each with its own case reference and tracking link; an address of
content already reported joins that case; a bad line is shown next to the field, nothing stored;
pressing submit twice files nothing twice."""

from __future__ import annotations

import re

from tests.review_support import make_user, staff_headers

FIRST = "https://platform.example/watch/1"
MORE = "https://platform.example/watch/2\n\nhttps://platform.example/watch/3\n" + FIRST


def _post(client, more_urls: str, key: str = "form-many"):  # type: ignore[no-untyped-def]
    return client.post(
        "/report",
        data={
            "category": "child_sexual_abuse",
            "content_url": FIRST,
            "more_urls": more_urls,
            "subject_is_minor": "yes",
            "reporter.role": "parent_or_guardian",
            "law_enforcement.case_number": "ECP-2026-0713",
            "idempotency_key": key,
        },
    )


def _references(html: str) -> list[tuple[str, str]]:
    first = (
        re.search(r'id="case-reference">([^<]+)<', html).group(1),
        re.search(r'id="tracking-link" href="([^"]+)"', html).group(1),
    )
    more = re.findall(
        r'class="more-case-reference">([^<]+)</span>, <a class="more-tracking-link" href="([^"]+)"',
        html,
    )
    return [first, *more]


def test_intake_form_reports_several_addresses_at_once(client, settings):
    earlier = client.post(
        "/v1/reports",
        json={"category": "child_sexual_abuse", "content_url": "https://platform.example/watch/3"},
    ).json()["case_id"]

    page = _post(client, MORE)
    assert page.status_code == 201, page.text
    references = _references(page.text)
    assert len(references) == 3  # the repeated first address and the blank line are dropped
    case_ids = [case_id for case_id, _ in references]
    assert len(set(case_ids)) == 3 and case_ids[2] == earlier  # watch/3 joins its open case
    assert "https://platform.example/watch/2" in page.text

    make_user(settings, "csr", "child_safety_reviewer")
    staff = staff_headers(client, settings, "csr")
    for case_id, (_, link) in zip(case_ids, references, strict=True):
        case = client.get(f"/v1/cases/{case_id}", headers=staff).json()
        assert case["priority"] == "P0"
        assert case["reports"][-1]["law_enforcement_case_number"] == "ECP-2026-0713"
        assert case_id in client.get(link.replace("http://testserver", "")).text

    again = _post(client, MORE)
    assert _references(again.text) == references  # the same answers, nothing filed twice
    assert client.get(f"/v1/cases/{case_ids[0]}", headers=staff).json()["report_count"] == 1


def test_a_bad_extra_address_stores_nothing(client, settings):
    page = _post(client, "https://platform.example/watch/2\nnot a link", key="form-bad")
    assert page.status_code == 422
    assert 'id="more_urls-error"' in page.text and "Line 2" in page.text
    assert "https://platform.example/watch/2" in page.text  # what was typed is kept
    make_user(settings, "csr2", "child_safety_reviewer")
    cases = client.get("/v1/cases?queue=all", headers=staff_headers(client, settings, "csr2"))
    assert cases.json()["cases"] == []


def test_at_most_nineteen_more_addresses(client):
    many = "\n".join(f"https://platform.example/watch/{n}" for n in range(100, 120))
    page = _post(client, many, key="form-many-too")
    assert page.status_code == 422 and "at most 19" in page.text


def test_one_acknowledgment_lists_every_address(client, app, settings):
    from takedown.notify.scheduled import deliver_notifications
    from tests.reports_support import smtp_server

    with smtp_server() as (inbox, port):
        configured = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
        app.state.settings = configured
        page = client.post(
            "/report",
            data={
                "category": "child_sexual_abuse",
                "content_url": FIRST,
                "more_urls": "https://platform.example/watch/2",
                "reporter.email": "parent@example.org",
                "idempotency_key": "form-ack",
            },
        )
        assert page.status_code == 201, page.text
        assert deliver_notifications(configured) == 1
    (message,) = inbox.to("parent@example.org")
    body = message.get_content()
    assert message["Subject"] == "We received your 2 reports"
    for case_id, link in _references(page.text):
        assert case_id in body and link in body
    assert "https://platform.example/watch/2" in body
