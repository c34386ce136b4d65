"""Rule (WCAG 3.3.1, 3.1.2): the tracking page's appeal and the lost-link form answer a mistake with
the page's own error, in the page's language, tied to the field, named in the page title and
focused, never with the browser's bubble in the browser's language. A child who chose Spanish
on a family computer set to English sent an empty appeal or an address without "@" and got
"Please fill out this field." and nothing from the page, in headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.reports_support import valid_body
from tests.review_support import (
    BROWSER_TEST_MARKS,
    console_server,
    console_server_token,
    launch_chromium,
)

pytestmark = BROWSER_TEST_MARKS


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with console_server(tmp_path, {"reviewer": "a reviewer's password"}) as base:
        yield base


def _decided_tracking_link(server: str, tmp_path: Path) -> str:
    """A report decided "no violation", so its tracking page offers the appeal."""
    body = valid_body("non_consensual_intimate_imagery", explanation="Soy yo.", language="es")
    filed = httpx.post(f"{server}/v1/reports", json=body, timeout=60)
    assert filed.status_code == 201, filed.text
    decided = httpx.post(
        f"{server}/v1/cases/{filed.json()['case_id']}/decisions",
        json={"outcome": "no_violation", "reason": "Not intimate imagery.", "policy": "terms"},
        headers={"Authorization": f"Bearer {console_server_token(tmp_path, 'reviewer')}"},
        timeout=60,
    )
    assert decided.status_code == 201, decided.text
    return f"{server}/track/{filed.json()['tracking_token']}"


def _page_error(page, selector: str) -> str:  # type: ignore[no-untyped-def]
    """The page's error after the refused step: shown, focused, tied to its field, in the title."""
    page.wait_for_selector(selector)
    assert page.title().startswith("Error:")
    page.wait_for_function(f"document.activeElement.matches({selector!r})")
    return page.inner_text(selector)


def test_tracking_forms_answer_in_the_pages_language_not_the_browsers(
    server: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    tracking = _decided_tracking_link(server, tmp_path)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(locale="en-US")  # the browser's language: English

            page.goto(f"{server}/track?lang=es")
            page.fill("#email", "sin-arroba")
            page.click("form[action='/track'] button[type=submit]")
            message = _page_error(page, "#email-error")
            assert (
                message
                == "Error: Escribe la dirección de correo electrónico que diste con tu reporte."
            )
            assert page.get_attribute("#email", "aria-describedby") == "email-error"
            assert page.input_value("#email") == "sin-arroba"  # what was typed is kept

            page.goto(tracking)  # the report was made in Spanish
            page.wait_for_selector("#appeal-heading")
            page.click("form[action$='/appeal'] button[type=submit]")  # nothing written
            message = _page_error(page, "#appeal-error")
            assert message == "Error: Dinos por qué no estás de acuerdo con la decisión."
            assert page.get_attribute("#reason", "aria-invalid") == "true"
            assert page.get_attribute("#reason", "aria-describedby") == "appeal-error"
        finally:
            browser.close()
