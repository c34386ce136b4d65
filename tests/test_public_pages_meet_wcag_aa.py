"""The pages a victim, a parent or a bystander uses (the report form with and without errors, the
confirmation, the tracking page with its forms, in English and Spanish) and a reviewer's way
through the console (sign-in, two-factor set-up, the queue, a case) pass axe-core's WCAG 2.0/2.1
A and AA rules, in real headless Chromium against a real `takedown serve`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.review_support import (
    BROWSER_TEST_MARKS,
    console_server,
    launch_chromium,
    sign_in_in_browser,
)

pytestmark = BROWSER_TEST_MARKS
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
REVIEWER_PASSWORD = "a reviewer's password"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with console_server(tmp_path, {"reviewer": REVIEWER_PASSWORD}) as base:
        yield base


def test_public_pages_meet_wcag_aa(server: str) -> None:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    axe = Axe()
    failures: list[str] = []

    def check(page, name: str) -> None:  # type: ignore[no-untyped-def]
        results = axe.run(page, options=WCAG_AA)
        if results.violations_count:
            failures.append(f"--- {name} ({page.url})\n{results.generate_report()}")

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            for language in ("en", "es"):
                page = browser.new_page(locale=language)
                page.goto(f"{server}/report?lang={language}")
                check(page, f"report form ({language})")
                page.click("button[type=submit]")  # nothing chosen: the error summary
                page.wait_for_selector(".error-summary")
                check(page, f"report form with errors ({language})")
                page.check("#category-child_sexual_abuse")
                page.fill("#content_url", f"https://platform.example/p/a11y-{language}")
                page.click("button[type=submit]")
                page.wait_for_selector("#tracking-link")
                check(page, f"confirmation ({language})")
                page.click("#tracking-link")
                page.wait_for_selector("#status")
                check(page, f"tracking page ({language})")
                page.click("form[action$='/information'] button[type=submit]")  # empty: refused
                page.wait_for_selector("#add-error")
                check(page, f"tracking page with an error ({language})")
                page.close()
            context, page = sign_in_in_browser(
                browser, server, "reviewer", REVIEWER_PASSWORD, visit=check
            )
            check(page, "console queue")
            case_id = page.locator("a.case-link").first.inner_text().strip()
            assert case_id.startswith("case_")  # one of the reports above
            page.click(f"a.case-link:text('{case_id}')")
            page.wait_for_selector("#decision-form")
            check(page, "console case")
            context.close()
        finally:
            browser.close()
    assert not failures, "\n".join(failures)
