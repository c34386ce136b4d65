"""Rule: the confirmation is shown once, and it alone gives a reporter without email their
tracking link; its language links lead to that report's tracking page in the other language,
never to an empty form. A child who pressed "English" on the Spanish confirmation got a blank
report form, and the only way back to their report was gone."""

from __future__ import annotations

import re


def test_a_language_link_on_the_confirmation_keeps_the_tracking_link(client) -> None:  # type: ignore[no-untyped-def]
    sent = client.post(
        "/report",
        data={"category": "child_sexual_abuse", "content_url": "https://platform.example/p/l1"},
        headers={"Accept-Language": "es"},
    )
    assert sent.status_code == 201, sent.text
    tracking = re.search(r'id="tracking-link" href="([^"]+)"', sent.text).group(1)
    case_id = re.search(r'id="case-reference">([^<]+)<', sent.text).group(1)
    english = re.search(r'<a href="([^"]+)" lang="en" hreflang="en">', sent.text).group(1)
    assert english == f"{tracking}?lang=en"

    page = client.get(english.removeprefix("http://testserver"))
    assert page.status_code == 200
    assert "<h1>Your report</h1>" in page.text
    assert f'id="reference">{case_id}<' in page.text
