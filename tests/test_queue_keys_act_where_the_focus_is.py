"""Rule: on the queue, the keyboard acts where the focus is (WCAG 2.1.1, 2.4.3). Opening the
page leaves the focus at its top (skip link, menu, search first) with row 1 only highlighted.
Enter on a link, button or form control is the browser's own: a row's case link opens that case,
its Claim button claims it, a menu link goes where it says; never the highlighted row. Moving the
focus into a row (Tab) selects it, so `o` and `c` act on that row; `j`/`k` still move."""

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


def _queue(page, base: str) -> list[str]:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/console/queue")
    page.wait_for_selector("tr.case-row")
    return [str(row.get_attribute("data-case-id")) for row in page.locator("tr.case-row").all()]


def _row(n: int) -> str:
    return f"tr.case-row:nth-child({n})"


def test_queue_keys_act_where_the_focus_is(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with console_server(tmp_path, PASSWORDS) as base:
        file_cases(base, tmp_path, 4)
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                context, page = sign_in_in_browser(browser, base, "cs-1", PASSWORDS["cs-1"])
                rows = _queue(page, base)
                assert len(rows) == 4
                # Nothing is focused on load; row 1 is highlighted; Tab starts at the skip link.
                assert page.evaluate("document.activeElement === document.body")
                assert "selected" in (page.get_attribute(_row(1), "class") or "")
                page.keyboard.press("Tab")
                assert page.evaluate("document.activeElement.className") == "skip-link"

                # Enter on row 3's case link opens row 3.
                page.focus(f"{_row(3)} a.case-link")
                with page.expect_navigation():
                    page.keyboard.press("Enter")
                assert page.url == f"{base}/console/cases/{rows[2]}"

                # Enter on row 2's Claim button claims row 2 (and opens it, as a click does).
                rows = _queue(page, base)
                page.focus(f"{_row(2)} .claim-button")
                with page.expect_navigation():
                    page.keyboard.press("Enter")
                assert page.url == f"{base}/console/cases/{rows[1]}?notice=claimed"
                assert "claimed by cs-1 (you)" in page.inner_text("main")

                # Enter on a menu link, a queue tab, or the filter's button does what it says.
                rows = _queue(page, base)
                page.focus("header nav a[href='/console/queue?queue=appeals']")
                with page.expect_navigation():
                    page.keyboard.press("Enter")
                assert page.url == f"{base}/console/queue?queue=appeals"
                rows = _queue(page, base)
                page.focus("form.category-filter button")
                with page.expect_navigation():
                    page.keyboard.press("Enter")
                assert page.url.startswith(f"{base}/console/queue?queue=")
                assert "/console/cases/" not in page.url

                # Tab into row 4 selects it: `c` claims row 4, not row 1.
                rows = _queue(page, base)
                page.focus(f"{_row(3)} .claim-button")
                page.keyboard.press("Tab")
                assert (
                    page.evaluate("document.activeElement.closest('tr.case-row').dataset.caseId")
                    == rows[3]
                )
                assert "selected" in (page.get_attribute(_row(4), "class") or "")
                assert "selected" not in (page.get_attribute(_row(1), "class") or "")
                with page.expect_navigation():
                    page.keyboard.press("c")
                assert page.url == f"{base}/console/cases/{rows[3]}?notice=claimed"

                # j/k move the selection and the focus; `o` opens the selected row.
                rows = _queue(page, base)
                page.keyboard.press("j")
                page.keyboard.press("j")
                page.keyboard.press("k")
                assert page.evaluate("document.activeElement.dataset.caseId") == rows[1]
                with page.expect_navigation():
                    page.keyboard.press("o")
                assert page.url == f"{base}/console/cases/{rows[1]}"
                context.close()
            finally:
                browser.close()
