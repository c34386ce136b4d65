"""Rule: everything on the public pages sits in a landmark (banner, main, contentinfo), so a
screen reader user who moves by landmarks meets it, and the pages pass axe-core's WCAG 2.2 AA
rules (target size, among others) besides 2.0 and 2.1's. The "Leave this page" button was
outside every landmark: someone who must hide the page at once and lists landmarks to find
their way could not find it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.review_support import BROWSER_TEST_MARKS, console_server, launch_chromium

pytestmark = BROWSER_TEST_MARKS
RULES = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    }
}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with console_server(tmp_path, {}, quick_exit_url="about:blank") as base:
        yield base


def test_public_pages_keep_everything_in_landmarks(server: str) -> None:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    axe = Axe()
    failures: list[str] = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            for language in ("en", "es"):
                page = browser.new_page(locale=language, viewport={"width": 360, "height": 740})

                def check(name: str, page=page, language=language) -> None:  # type: ignore[no-untyped-def]
                    results = axe.run(page, options=RULES)
                    if results.violations_count:
                        failures.append(f"--- {name} {language}\n{results.generate_report()}")

                page.goto(f"{server}/report?lang={language}")
                assert page.is_visible("#quick-exit")
                check("report form")
                page.click("button[type=submit]")
                page.wait_for_selector(".error-summary")
                check("report form with errors")
                page.check("#category-child_sexual_abuse")
                page.fill("#content_url", f"https://platform.example/p/landmarks-{language}")
                page.click("button[type=submit]")
                page.wait_for_selector("#tracking-link")
                check("confirmation")
                page.click("#tracking-link")
                page.wait_for_selector("#status")
                check("tracking page")
                page.goto(f"{server}/track")
                check("lost links")
                page.goto(f"{server}/track/no-such-link")
                check("unknown tracking link")
                page.close()
        finally:
            browser.close()
    assert not failures, "\n".join(failures)
