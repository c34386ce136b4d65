"""Rule: the keyboard focus and the queue's selected row stand out from what is around them at
3:1 or more (WCAG 1.4.11), on the public pages and in the console (they share takedown.css). The
focus is a yellow ring inside a near-black one: the dark ring against the white page, the yellow
against the dark ring and against the blue of a button. Yellow alone on white is 1.6:1."""

from __future__ import annotations

import re
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
WHITE = (255, 255, 255)


def _rgb(css: str) -> tuple[int, int, int]:
    found = re.search(r"rgba?\((\d+), (\d+), (\d+)", css)
    assert found is not None, css
    return int(found.group(1)), int(found.group(2)), int(found.group(3))


def _contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    def luminance(rgb: tuple[int, int, int]) -> float:
        channels = [c / 255 for c in rgb]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _focus_rings(page, selector: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Focus `selector` from the keyboard (so :focus-visible applies); its rings and background."""
    page.focus(selector)
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert page.evaluate(f"document.activeElement === document.querySelector({selector!r})")
    return dict(
        page.evaluate(
            """s => { const c = getComputedStyle(document.querySelector(s));
                      return {outline: c.outlineColor, width: c.outlineWidth,
                              style: c.outlineStyle, shadow: c.boxShadow,
                              background: c.backgroundColor}; }""",
            selector,
        )
    )


def _rings_stand_out(rings: dict[str, str], inside: tuple[int, int, int] | None = None) -> None:
    """The dark ring stands out from the white page and the yellow from the dark ring and from
    a coloured element `inside` it (a button)."""
    assert rings["style"] == "solid" and rings["width"] == "3px", rings
    outer = _rgb(rings["shadow"])  # the dark ring, outside the yellow one
    assert _contrast(outer, WHITE) >= 3, rings
    assert _contrast(_rgb(rings["outline"]), outer) >= 3, rings
    if inside is not None:
        assert _contrast(_rgb(rings["outline"]), inside) >= 3, rings


def test_focus_and_selection_stand_out_at_3_to_1(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with console_server(tmp_path, PASSWORDS) as base:
        file_cases(base, tmp_path, 2)
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                context, page = sign_in_in_browser(browser, base, "cs-1", PASSWORDS["cs-1"])
                page.goto(f"{base}/console/queue")
                _rings_stand_out(_focus_rings(page, "tr.case-row a.case-link"))
                _rings_stand_out(_focus_rings(page, "form[role=search] button"))
                selected = page.evaluate(
                    """() => { const c = getComputedStyle(document.querySelector(
                                   'tr.case-row.selected'));
                               return {outline: c.outlineColor, width: c.outlineWidth,
                                       background: c.backgroundColor}; }"""
                )
                assert selected["width"] == "3px"
                assert _contrast(_rgb(selected["outline"]), WHITE) >= 3, selected
                assert _contrast(_rgb(selected["outline"]), _rgb(selected["background"])) >= 3

                public = context.new_page()
                public.goto(f"{base}/report")
                _rings_stand_out(_focus_rings(public, "a.brand"))
                send = _focus_rings(public, "form button[type=submit]")
                _rings_stand_out(send, _rgb(send["background"]))  # the blue of the button
                context.close()
            finally:
                browser.close()
