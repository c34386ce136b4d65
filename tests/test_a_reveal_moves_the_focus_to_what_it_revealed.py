"""Rule: after a reveal (htmx swaps the figure), the focus moves to the revealed figure, not to
the page's <body> (WCAG 2.4.3, 4.1.3): a keyboard user stays where they were, and a screen
reader reads its caption: "Revealed by you", and the break suggestion when it is time for one."""

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


def test_a_reveal_moves_the_focus_to_what_it_revealed(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with console_server(tmp_path, PASSWORDS, wellbeing_break_reveals="1") as base:
        (case_id,) = file_cases(base, tmp_path, 1, with_image=True)
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                context, page = sign_in_in_browser(browser, base, "cs-1", PASSWORDS["cs-1"])
                page.goto(f"{base}/console/cases/{case_id}")
                page.focus("figure.blurred .reveal-button")
                page.keyboard.press("Enter")
                page.wait_for_selector("figure.revealed")
                for _ in range(50):  # htmx settles the swap, then console.js moves the focus
                    if page.evaluate("document.activeElement.matches('figure.revealed')"):
                        break
                    page.wait_for_timeout(100)
                assert page.evaluate("document.activeElement.id").startswith("media-")
                assert page.evaluate("document.activeElement.matches('figure.revealed')")
                caption = page.evaluate("document.activeElement.innerText")
                assert "Revealed by you" in caption
                assert "take a break" in caption
                # The next Tab goes on from the figure: its "Blur again" link.
                page.keyboard.press("Tab")
                assert page.evaluate("document.activeElement.textContent") == "Blur again"
                context.close()
            finally:
                browser.close()
