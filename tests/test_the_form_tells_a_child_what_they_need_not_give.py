"""Rule: the report form tells a young person, kindly and before anything else they must read,
that it is not their fault, that they need give no name, no ID and never the pictures, and it
marks the name and email fields as not needed for reports about children, in English and in
Spanish. And the form keeps that promise: a child-safety report with nothing but where the
pictures are is taken."""

from __future__ import annotations

import re

import pytest

LANGUAGES = {
    "en": ("it is not your fault", "Not needed for reports about children"),
    "es": ("no es tu culpa", "No hace falta en los reportes sobre niños, niñas y adolescentes"),
}


def _described_by(page: str, field_id: str) -> list[str]:
    tag = re.search(rf'<input[^>]*id="{field_id}"[^>]*>', page).group(0)
    return re.search(r'aria-describedby="([^"]+)"', tag).group(1).split()


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_form_tells_a_child_what_they_need_not_give(client, language: str) -> None:  # type: ignore[no-untyped-def]
    kind, not_needed = LANGUAGES[language]
    page = client.get(f"/report?lang={language}").text
    young = re.search(r'<li id="for-young-people">([^<]+)</li>', page).group(1)
    assert kind in young
    # Before the longer rules for other reports, as the first thing after "no account needed".
    assert page.index('id="for-young-people"') < page.index("TAKE IT DOWN")
    hint = re.search(r'<span class="hint" id="reporter-name-hint">([^<]+)</span>', page)
    assert hint.group(1) == not_needed + "."
    assert "reporter-name-hint" in _described_by(page, "reporter-name")
    email_hint = re.search(r'id="reporter-email-hint">([^<]+)</span>', page).group(1)
    assert not_needed in email_hint
    assert "reporter-email-hint" in _described_by(page, "reporter-email")


def test_a_child_safety_report_needs_only_where_the_pictures_are(client) -> None:  # type: ignore[no-untyped-def]
    sent = client.post(
        "/report",
        data={
            "category": "child_sexual_exploitation",
            "content_url": "https://platform.example/p/of-me",
            "subject_is_minor": "yes",
        },
        headers={"Accept-Language": "es"},
    )
    assert sent.status_code == 201, sent.text
    assert 'id="tracking-link"' in sent.text
