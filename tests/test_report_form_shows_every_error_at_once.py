"""Rule: the report form shows every problem in one round, each tied to its field (inline
message, aria-invalid, aria-describedby) and linked from the summary to a control that takes
focus; a limit is said, and the browser is told it (`maxlength` = the server's limit). Messages
say what the category really needs."""

from __future__ import annotations

import re


def _errors(html: str) -> list[tuple[str, str]]:
    summary = html.split('class="error-summary"')[1].split("</div>")[0]
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)


def test_a_too_long_answer_and_missing_answers_are_reported_together(client):
    page = client.post(
        "/report",
        data={"category": "terms_violation", "reporter.name": "x" * 201},
    )
    assert page.status_code == 422
    anchors = [anchor for anchor, _ in _errors(page.text)]
    # In the form's order: the address, the explanation, the name (too long), the email, the
    # statement, all in the first answer.
    assert anchors == [
        "content_url",
        "explanation",
        "reporter-name",
        "reporter-email",
        "good_faith_statement-input",
    ]
    assert "This answer is too long: write at most 200 characters." in page.text


def test_police_details_that_are_too_long_show_at_their_fields(client):
    page = client.post(
        "/report",
        data={
            "category": "child_sexual_abuse",
            "content_url": "https://platform.example/p/1",
            "law_enforcement.agency": "a" * 201,
            "law_enforcement.case_number": "n" * 101,
        },
    )
    assert page.status_code == 422
    assert [a for a, _ in _errors(page.text)] == [
        "law_enforcement-agency",
        "law_enforcement-case_number",
    ]
    for field in ("law_enforcement-agency", "law_enforcement-case_number"):
        assert f'id="{field}-error"' in page.text
        control = re.search(rf'<input [^>]*id="{field}"[^>]*>', page.text).group(0)
        assert 'aria-invalid="true"' in control
        assert f'aria-describedby="{field}-error"' in control


def test_summary_links_land_on_a_control_that_takes_focus(client):
    page = client.post("/report", data={"good_faith_statement": ""})
    anchors = [a for a, _ in _errors(page.text)]
    assert anchors[0] == "category-child_sexual_abuse"  # the first radio, not the fieldset
    assert 'id="category-child_sexual_abuse"' in page.text
    fieldset = re.search(r'<fieldset [^>]*id="category"[^>]*>', page.text).group(0)
    assert 'aria-describedby="category-error"' in fieldset
    terms = client.post("/report", data={"category": "terms_violation"})
    assert "good_faith_statement-input" in [a for a, _ in _errors(terms.text)]
    # Focus moves to the summary on load (a script file: the page allows no inline script).
    assert '<script src="/static/error-summary.js" defer></script>' in page.text
    assert (
        'class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1"'
        in (page.text)
    )
    assert client.get("/static/error-summary.js").status_code == 200
    assert "error-summary.js" not in client.get("/report").text


def test_every_text_field_carries_the_servers_limit(client):
    page = client.get("/report").text
    for field, most in [
        ("content_url", 4000),
        ("content_id", 255),
        ("explanation", 20000),
        ("reporter-name", 200),
        ("reporter-email", 254),
        ("law_enforcement-agency", 200),
        ("law_enforcement-case_number", 100),
        ("signature", 200),
    ]:
        control = re.search(rf'<(input|textarea) [^>]*id="{field}"[^>]*>', page).group(0)
        assert f'maxlength="{most}"' in control, field


def test_an_intimate_image_report_with_nothing_is_not_told_a_file_would_do(client):
    page = client.post("/report", data={"category": "non_consensual_intimate_imagery"})
    messages = dict(_errors(page.text))
    assert messages["content_url"] == "Say where the image or video is (its address or content id)."
    assert "or the file" not in page.text.split('class="error-summary"')[1].split("</div>")[0]
    api = client.post("/v1/reports", json={"category": "non_consensual_intimate_imagery"})
    assert [e for e in api.json()["errors"] if e["field"] == "content_url"] == [
        {
            "field": "content_url",
            "message": "Say where the image or video is (its address or content id).",
            "type": "required",
        }
    ]
