"""The public form is usable with the keyboard alone, in real headless Chromium against a real
`takedown serve`: Tab to each control, choose with the arrow keys and Space, submit with Enter,
land on the error summary, fix the field, and reach the confirmation page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.review_support import (
    BROWSER_TEST_MARKS,
    free_port,
    launch_chromium,
    run_server,
    server_env,
    stop_server,
)

pytestmark = BROWSER_TEST_MARKS


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    env = server_env(f"sqlite:///{tmp_path / 'form.db'}", tmp_path / "data", free_port())
    process = run_server(env, tmp_path / "server.log")
    try:
        yield env["TAKEDOWN_PUBLIC_BASE_URL"]
    finally:
        stop_server(process)


def focused(page) -> str:  # type: ignore[no-untyped-def]
    return page.evaluate("document.activeElement.id || document.activeElement.tagName")


def tab_to(page, element_id: str, limit: int = 40) -> None:  # type: ignore[no-untyped-def]
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page) == element_id:
            return
    raise AssertionError(f"#{element_id} is not reachable with Tab")


def test_report_form_with_keyboard_only(server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            page.goto(f"{server}/report")
            page.keyboard.press("Tab")
            assert focused(page) == "A"  # the skip link comes first
            # Choose "terms violation" with the arrow keys inside the radio group.
            tab_to(page, "category-child_sexual_abuse")
            for _ in range(4):
                page.keyboard.press("ArrowDown")
            assert page.is_checked("#category-terms_violation")
            tab_to(page, "content_url")
            page.keyboard.type("https://platform.example/p/77")
            tab_to(page, "reporter-name")
            page.keyboard.type("Kim Keyboard")
            page.keyboard.press("Enter")  # submit without the explanation, email, statement
            page.wait_for_selector(".error-summary")
            assert "Error:" in page.title()
            assert page.get_attribute("#explanation", "aria-invalid") == "true"
            assert page.input_value("#content_url") == "https://platform.example/p/77"

            tab_to(page, "explanation")
            page.keyboard.type("Spam links in every comment.")
            tab_to(page, "reporter-email")
            page.keyboard.type("kim@example.org")
            tab_to(page, "good_faith_statement-input")
            page.keyboard.press("Space")
            tab_to(page, "signature")
            page.keyboard.press("Enter")
            page.wait_for_selector("#case-reference")
            case_id = page.inner_text("#case-reference").strip()
            assert case_id.startswith("case_")
            tab_to(page, "tracking-link")
            page.keyboard.press("Enter")
            page.wait_for_selector("#status")
            assert page.inner_text("#status").strip() == "received"
            assert case_id in page.content()
        finally:
            browser.close()
