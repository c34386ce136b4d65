"""Rule: a reveal is deliberate, one press of that item's own Reveal button (WCAG 2.1.4, and the
console's promise that every reveal is chosen): no shortcut key reveals an original, wherever the
focus is, and a held key's auto-repeat reveals nothing. The shortcut list offers none."""

from __future__ import annotations

from pathlib import Path

from tests.console_a11y_support import file_cases
from tests.review_support import (
    BROWSER_TEST_MARKS,
    console_server,
    launch_chromium,
    sign_in_in_browser,
)

pytestmark = BROWSER_TEST_MARKS
PASSWORDS = {"cs-1": "child safety reviewer password"}


def test_a_reveal_is_never_set_off_by_a_key(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with console_server(tmp_path, PASSWORDS) as base:
        (case_id,) = file_cases(base, tmp_path, 1, with_image=True)
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                context, page = sign_in_in_browser(browser, base, "cs-1", PASSWORDS["cs-1"])
                page.goto(f"{base}/console/cases/{case_id}")
                page.wait_for_selector("figure.blurred .reveal-button")
                assert "reveal" not in page.inner_text("details.shortcuts dl").lower()

                page.keyboard.press("r")  # focus on the page
                page.focus("figure.blurred .reveal-button")
                page.keyboard.press("r")  # focus on the Reveal button itself
                for _ in range(6):  # held down: the browser repeats the key
                    page.keyboard.down("r")
                page.keyboard.up("r")
                page.wait_for_timeout(1000)  # time for any htmx request to have come back
                assert page.locator("figure.revealed").count() == 0
                assert page.locator("figure.blurred").count() == 1

                page.reload()
                assert "0 originals revealed" in page.goto(f"{base}/console/queue").text()
                context.close()
            finally:
                browser.close()
