"""Rule: a report form sent with mistakes shows what is wrong on the first screen, on a phone
without JavaScript too (where focus cannot be moved to the error summary): the summary comes
right after the page's heading, above how reporting works. It was a long scroll below it
(about 1,200 px on a 320 px wide screen in Spanish), so a child who pressed "Send" saw the
same page as before and nothing about why."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.review_support import BROWSER_TEST_MARKS, console_server, launch_chromium

pytestmark = BROWSER_TEST_MARKS
SMALL_PHONE = {"width": 320, "height": 568}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with console_server(tmp_path, {}) as base:
        yield base


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_error_summary_is_the_first_thing_a_phone_shows(server: str, language: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            phone = browser.new_context(
                viewport=SMALL_PHONE, is_mobile=True, has_touch=True, java_script_enabled=False
            )
            page = phone.new_page()
            page.goto(f"{server}/report?lang={language}")
            page.fill("#content_url", "https://platform.example/p/1")  # kept after the error
            page.click("button[type=submit]")  # no category chosen
            page.wait_for_selector(".error-summary")
            assert page.evaluate("window.scrollY") == 0  # nothing moved the page
            summary = page.locator(".error-summary").bounding_box()
            assert summary is not None
            assert summary["y"] + summary["height"] <= SMALL_PHONE["height"], summary
            # Its link leads to the field, and what was typed is still there.
            page.click(".error-summary a")
            assert page.url.endswith("#category-child_sexual_abuse")
            assert page.input_value("#content_url") == "https://platform.example/p/1"
        finally:
            browser.close()
