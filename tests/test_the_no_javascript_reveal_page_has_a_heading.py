"""Rule: the page a reveal answers with when JavaScript is off has a main heading saying what it
shows (WCAG 1.3.1, 2.4.6): the revealed item, or that it was not revealed."""

from __future__ import annotations

import re

from tests.review_support import benign_image, console, make_user, report, staff_headers


def test_the_no_javascript_reveal_page_has_a_heading(app, client, settings):  # type: ignore[no-untyped-def]
    app.state.settings = settings.model_copy(update={"wellbeing_daily_reveal_limit": 1})
    make_user(settings, "cs-1", "child_safety_reviewer")
    case_id = report(client, image=benign_image("rocket"))["case_id"]
    detail = client.get(f"/v1/cases/{case_id}", headers=staff_headers(client, settings, "cs-1"))
    media_id = detail.json()["media"][0]["media_id"]
    reviewer = console(app, "cs-1")
    reveal = f"/console/cases/{case_id}/media/{media_id}/reveal"

    revealed = reviewer.post(reveal)
    assert revealed.status_code == 200 and "data:image/" in revealed.text
    assert re.findall(r"<h1>(.*?)</h1>", revealed.text) == [f"Revealed: image {media_id}"]

    withheld = reviewer.post(reveal)  # past the day's limit of one
    assert withheld.status_code == 429
    assert re.findall(r"<h1>(.*?)</h1>", withheld.text) == [f"Not revealed: image {media_id}"]
