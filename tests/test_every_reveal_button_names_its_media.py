"""Rule: each Reveal button says which media it reveals (WCAG 2.4.6, 4.1.2): a screen reader's
list of buttons is not "Reveal — audited" five times over. Its name keeps the visible words first
(WCAG 2.5.3) and names the item's type and place: "Reveal — audited: image, media 2 of 2". No
key reveals, so the button names no shortcut."""

from __future__ import annotations

import re

from tests.review_support import benign_image, console, make_user, report


def test_every_reveal_button_names_its_media(app, client, settings):  # type: ignore[no-untyped-def]
    make_user(settings, "cs-1", "child_safety_reviewer")
    picture = benign_image("rocket")
    case_id = report(client, image=picture)["case_id"]
    assert report(client, image=picture)["case_id"] == case_id  # the same file joins the case
    page = console(app, "cs-1").get(f"/console/cases/{case_id}").text
    buttons = re.findall(r'<button[^>]*class="[^"]*reveal-button[^"]*"[^>]*>(.*?)</button>', page)
    names = [re.sub(r"<[^>]+>", "", button) for button in buttons]
    assert names == [
        "Reveal — audited: image, media 1 of 2",
        "Reveal — audited: image, media 2 of 2",
    ]
    assert all('<span class="visually-hidden">' in button for button in buttons)
    assert "(r)" not in page
