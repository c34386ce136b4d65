"""Rule: the queue fits a 320 CSS-pixel-wide screen (WCAG 1.4.10 reflow; a phone zoomed to 400 %
is as narrow): no select of its filter, however long its options, is wider than the page, so
nothing scrolls sideways."""

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


def test_the_queue_fits_a_320_pixel_screen(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with console_server(tmp_path, PASSWORDS) as base:
        file_cases(base, tmp_path, 1)
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                context, page = sign_in_in_browser(browser, base, "cs-1", PASSWORDS["cs-1"])
                page.set_viewport_size({"width": 320, "height": 640})
                for path in ("/console/queue", "/console/queue?queue=all"):
                    page.goto(f"{base}{path}")
                    page.wait_for_selector("#category")
                    assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
                    for select in ("#category", "#language"):
                        right = page.evaluate(
                            f"document.querySelector({select!r}).getBoundingClientRect().right"
                        )
                        assert right <= 320, (path, select, right)
                context.close()
            finally:
                browser.close()
