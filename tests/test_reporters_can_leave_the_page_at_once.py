"""A reporter who must hide what they are doing (someone walks in) leaves at once: every public
page has a "Leave this page" button (and Shift pressed three times) that goes somewhere ordinary
and takes the page out of the browser's history, so Back does not return to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reports_support import file_report
from tests.review_support import (
    CHROMIUM,
    console,
    console_server,
    launch_chromium,
    make_user,
)

EXIT = "https://www.wikipedia.org/"


def test_every_public_page_has_a_way_out(client, app, settings):
    answer = file_report(client, "non_consensual_intimate_imagery")
    for path in ("/report", f"/track/{answer['tracking_token']}", "/track/unknown"):
        page = client.get(path).text
        assert (
            f'<a class="quick-exit" id="quick-exit" href="{EXIT}" rel="noreferrer nofollow"' in page
        )
        assert '<script src="/static/quick-exit.js" defer></script>' in page
    spanish = client.get("/report", headers={"Accept-Language": "es"}).text
    assert ">Salir de esta página</a>" in spanish
    make_user(settings, "carol", "child_safety_reviewer")
    assert 'id="quick-exit"' not in console(app, "carol").get("/console/queue").text

    app.state.settings = settings.model_copy(update={"quick_exit_url": ""})
    assert 'id="quick-exit"' not in client.get("/report").text


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    # No network here: "somewhere ordinary" is the browser's blank page.
    with console_server(tmp_path, {}, quick_exit_url="about:blank") as base:
        yield base


@pytest.mark.parametrize("how", ["button", "shift three times"])
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's /usr/bin/chromium is not installed")
def test_leaving_takes_the_page_out_of_the_history(server: str, how: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            page.goto(f"{server}/report")
            page.fill("#explanation", "what happened to me")
            if how == "button":
                page.click("#quick-exit")
            else:
                page.locator("body").click(position={"x": 5, "y": 200})
                for _ in range(3):
                    page.keyboard.press("Shift")
            page.wait_for_url("about:blank")
            page.go_back()
            page.wait_for_timeout(300)
            assert "/report" not in page.url  # Back does not return to the form
        finally:
            browser.close()
