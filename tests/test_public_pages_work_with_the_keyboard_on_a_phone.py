"""Rule: on a phone and with the keyboard, the public pages stay usable: after a failed submit
the error summary has the focus; a focused field scrolls clear of the "Leave this page" bar fixed
at the bottom of a phone's screen; Shift used to type a capital never leaves the page (only Shift
pressed on its own three times does); and what a reporter added, however long its words, fits
the screen."""

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
    launch_chromium,
    wider_than_the_screen,
)

pytestmark = BROWSER_TEST_MARKS

UNDER_THE_BAR = """() => {
  const bar = document.getElementById('quick-exit').getBoundingClientRect();
  const field = document.activeElement.getBoundingClientRect();
  const covered = !(field.bottom <= bar.top || field.top >= bar.bottom);
  return covered ? document.activeElement.id || document.activeElement.tagName : null;
}"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    # No network here: "somewhere ordinary" is the browser's blank page.
    with console_server(tmp_path, {}, quick_exit_url="about:blank") as base:
        yield base


@pytest.fixture
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


def test_after_a_failed_submit_the_error_summary_has_the_focus(server, browser) -> None:
    page = browser.new_page()
    page.goto(f"{server}/report")
    page.click("button[type=submit]")
    page.wait_for_selector("#error-summary-title")
    page.wait_for_function("document.activeElement.classList.contains('error-summary')")
    page.keyboard.press("Tab")  # the first error's link, then the control it names
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.id === 'category-child_sexual_abuse'")


def test_a_focused_field_scrolls_clear_of_the_leave_bar_on_a_phone(server, browser) -> None:
    phone = browser.new_context(
        viewport={"width": PHONE_SCREEN["width"], "height": 664}, is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    page.goto(f"{server}/report")
    covered = []
    for _ in range(30):
        page.keyboard.press("Tab")
        hidden = page.evaluate(UNDER_THE_BAR)
        if hidden and hidden != "quick-exit":
            covered.append(hidden)
    assert covered == []
    for field in ("#content_id", "#explanation"):
        page.focus(field)
        assert page.evaluate(UNDER_THE_BAR) is None, field


def test_shift_used_to_type_capitals_does_not_leave_the_page(server, browser) -> None:
    page = browser.new_page()
    page.goto(f"{server}/report")
    page.click("#law_enforcement-case_number")
    for key in ("Shift+C", "Shift+R", "Shift+#", "Shift+A"):
        page.keyboard.press(key)
    page.wait_for_timeout(300)
    assert page.url.endswith("/report")
    assert page.input_value("#law_enforcement-case_number") == "CR#A"
    for _ in range(3):  # Shift on its own, three times: leave
        page.keyboard.press("Shift")
    page.wait_for_url("about:blank")


def test_a_long_unbroken_addition_fits_a_phone_screen(server, browser) -> None:
    filed = httpx.post(f"{server}/v1/reports", json=valid_body("child_sexual_abuse"), timeout=60)
    assert filed.status_code == 201, filed.text
    track = f"{server}/track/{filed.json()['tracking_token']}"
    added = httpx.post(
        f"{track}/information",
        data={"text": "Also here: https://platform.example/" + "x" * 300},
        timeout=60,
    )
    assert added.status_code == 303, added.text
    phone = browser.new_context(viewport=PHONE_SCREEN, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(track)
    assert page.is_visible("text=What you added")
    assert wider_than_the_screen(page) == []
