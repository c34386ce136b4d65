"""Rule (WCAG 1.4.11): "Leave this page" still looks like a button in forced colours (Windows
high contrast), where the browser drops backgrounds: it keeps a border in the system's text
colour. It had none, and showed as a line of text floating over the form on a phone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.review_support import BROWSER_TEST_MARKS, console_server, launch_chromium

pytestmark = BROWSER_TEST_MARKS


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with console_server(tmp_path, {}, quick_exit_url="about:blank") as base:
        yield base


def test_the_leave_button_is_outlined_in_forced_colours(server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(forced_colors="active", viewport={"width": 360, "height": 640})
            page.goto(f"{server}/report?lang=es")
            assert page.evaluate("matchMedia('(forced-colors: active)').matches")
            style = page.evaluate(
                """() => { const s = getComputedStyle(document.querySelector('#quick-exit'));
                   return {style: s.borderTopStyle, width: parseFloat(s.borderTopWidth),
                           colour: s.borderTopColor, background: s.backgroundColor}; }"""
            )
            assert style["style"] == "solid" and style["width"] >= 1, style
            assert style["colour"] != style["background"], style
        finally:
            browser.close()
