"""Rule: a reporter's own words on the case page (their explanation, what they added later) carry
the report's language (lang="es"), so a screen reader reads Spanish as Spanish (WCAG 3.1.2).
Words Takedown wrote itself, and reports in the default language, are left as the page's."""

from __future__ import annotations

import re

from tests.review_support import console, make_user, report


def test_a_reporters_words_are_marked_with_their_language(app, client, settings):  # type: ignore[no-untyped-def]
    make_user(settings, "rev-1", "reviewer")
    filed = report(
        client,
        category="terms_violation",
        content_url="https://platform.example/p/es",
        explanation="Esta publicación es una estafa.",
        language="es",
    )
    added = client.post(
        f"/track/{filed['tracking_token']}/information",
        data={"text": "Ahora hay otra publicación igual."},
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    plain = report(client, category="terms_violation", content_url="https://platform.example/p/en")

    page = console(app, "rev-1").get(f"/console/cases/{filed['case_id']}").text
    quotes = re.findall(r"<blockquote([^>]*)>([^<]*)</blockquote>", page)
    assert (' class="explanation" lang="es"', "Esta publicación es una estafa.") in quotes
    assert (' class="explanation" lang="es"', "Ahora hay otra publicación igual.") in quotes

    english = console(app, "rev-1").get(f"/console/cases/{plain['case_id']}").text
    assert '<blockquote class="explanation">breaks the rules</blockquote>' in english
