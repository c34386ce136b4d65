"""In real headless Chromium against a real `takedown serve` whose daily reveal limit is 1: a
reviewer reveals a reported video and its muted player plays the original; the next reveal is
refused in place, the preview still blurred and the reason said (htmx swaps the 429 answer)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.media import stand_in, video
from tests.review_support import (
    BROWSER_TEST_MARKS,
    console_server,
    console_server_case,
    launch_chromium,
    sign_in_in_browser,
)

pytestmark = BROWSER_TEST_MARKS
PASSWORD = "a reviewer's password"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with console_server(tmp_path, {"reviewer": PASSWORD}, wellbeing_daily_reveal_limit="1") as base:
        yield base


def _frames():  # type: ignore[no-untyped-def]
    frames = []
    for name in ("chelsea", "coffee"):
        base = stand_in(name).resize((320, 240))
        frames += [base.rotate(i * 0.5) for i in range(10)]
    return frames


def test_video_reveal_plays_and_the_limit_holds(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    clip = video(_frames(), fps=10, codec="libvpx", container_format="webm")
    filed = httpx.post(
        f"{server}/v1/reports",
        data={"report": json.dumps({"category": "child_sexual_abuse"})},
        files={"file": ("clip.webm", clip, "video/webm")},
        timeout=60,
    )
    assert filed.status_code == 201, filed.text
    case_id = console_server_case(server, tmp_path, filed.json(), "reviewer")

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            context, page = sign_in_in_browser(browser, server, "reviewer", PASSWORD)
            page.goto(f"{server}/console/cases/{case_id}")
            page.click("figure.blurred .reveal-button")
            player = page.locator("figure.revealed video")
            player.wait_for()
            assert player.evaluate("v => v.muted")
            playing = player.evaluate(
                "v => v.play().then(() => new Promise(done => setTimeout("
                "() => done({time: v.currentTime, width: v.videoWidth, error: v.error}), 500)))"
            )
            assert playing["error"] is None and playing["width"] == 320
            assert playing["time"] > 0

            page.goto(f"{server}/console/cases/{case_id}")  # blurred again
            page.click("figure.blurred .reveal-button")
            # htmx keeps the old figure's attributes for a moment while the swap settles.
            refused = page.locator("figure.withheld .reveal-withheld")
            refused.wait_for()
            assert "this server's limit (1)" in refused.inner_text()
            assert page.locator("figure.revealed").count() == 0
            assert page.locator("figure.withheld img.media-preview").count() == 1
            context.close()
        finally:
            browser.close()
