"""Rule: victims and parents report from their phones, so every public page fits a phone's
screen: in headless Chromium at 390 x 844 CSS pixels (a common phone), as a mobile browser lays
it out, the report form (empty, and with its errors), the confirmation, the tracking page (open,
and decided with its appeal form), the lost-link page and the Spanish form are no wider than the
screen. A page wider than that (a long case reference did it) is zoomed out by the phone until
it is small to read, or scrolls sideways."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.reports_support import valid_body
from tests.review_support import (
    BROWSER_TEST_MARKS,
    PHONE_SCREEN,
    console_server,
    console_server_token,
    launch_chromium,
    wider_than_the_screen,
)

pytestmark = BROWSER_TEST_MARKS


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with console_server(tmp_path, {"reviewer": "a reviewer's password"}) as base:
        yield base


def _decided_no_violation(server: str, tmp_path: Path) -> str:
    """An intimate-imagery report decided "no violation": its tracking link (with the appeal)."""
    body = valid_body("non_consensual_intimate_imagery", explanation="It is me, shared by my ex.")
    filed = httpx.post(f"{server}/v1/reports", json=body, timeout=60)
    assert filed.status_code == 201, filed.text
    token = console_server_token(tmp_path, "reviewer")
    decided = httpx.post(
        f"{server}/v1/cases/{filed.json()['case_id']}/decisions",
        json={"outcome": "no_violation", "reason": "Not intimate imagery.", "policy": "terms"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert decided.status_code == 201, decided.text
    return f"{server}/track/{filed.json()['tracking_token']}"


def test_public_pages_fit_a_phone_screen(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    decided = _decided_no_violation(server, tmp_path)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            phone = browser.new_context(viewport=PHONE_SCREEN, is_mobile=True, has_touch=True)
            page = phone.new_page()
            problems: list[str] = []

            page.goto(f"{server}/report")
            problems += wider_than_the_screen(page)
            page.click("button[type=submit]")  # nothing chosen: the errors
            page.wait_for_selector("#error-summary-title")
            problems += wider_than_the_screen(page)

            page.check("#category-child_sexual_abuse")
            page.fill("#content_url", "https://platform.example/watch?v=" + "x" * 80)
            page.click("button[type=submit]")
            page.wait_for_selector("#tracking-link")  # the confirmation
            assert page.is_visible("#case-reference")
            problems += wider_than_the_screen(page)
            page.click("#tracking-link")
            page.wait_for_selector("#status")  # the tracking page, open
            problems += wider_than_the_screen(page)

            page.goto(decided)
            page.wait_for_selector("#appeal-heading")  # decided, with the appeal form
            problems += wider_than_the_screen(page)

            page.goto(f"{server}/track")  # lost links
            problems += wider_than_the_screen(page)
            page.goto(f"{server}/report?lang=es")
            assert page.locator("html").get_attribute("lang") == "es"
            problems += wider_than_the_screen(page)
        finally:
            browser.close()
    assert problems == [], "\n".join(problems)
