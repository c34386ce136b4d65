"""Rule: every page Takedown renders runs only its own scripts and styles. The public form, the
tracking page and the console are served with a content security policy that allows no inline
code and no eval (an injected script cannot run where a victim reports or a reviewer decides),
and everything they do works under it: in real headless Chromium, the form fingerprints a
photo (in a Web Worker), a transparent picture (WebGL) and a video (a blob: URL) and sends the
report, the tracking page opens and the reporter withdraws the report, a reviewer signs in with
two-factor set-up, reveals a report's picture through htmx, writes a note, opens the Accounts,
Overview, post lookup and Banks pages, and does a blind quality check of another reviewer's
decision (revealing its picture); the browser reports no violation on the way."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image

from tests.media import generated_scene, jpeg, stand_in, video
from tests.reports_support import valid_body
from tests.review_support import (
    BROWSER_TEST_MARKS,
    console_server,
    console_server_case,
    console_server_token,
    launch_chromium,
    send_intimate_imagery_form_and_track,
    sign_in_in_browser,
)

pytestmark = BROWSER_TEST_MARKS
PASSWORD = "a reviewer's password"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    reviewers = {"reviewer": PASSWORD, "decider": PASSWORD}
    with console_server(tmp_path, reviewers, quality_sample_percent="100") as base:
        yield base


def _decided_and_sampled(server: str, tmp_path: Path) -> None:
    """A report with a picture, decided by another reviewer (every decision sampled here): a
    quality check waits for the reviewer signing in."""
    token = console_server_token(tmp_path, "decider")
    filed = httpx.post(
        f"{server}/v1/reports",
        data={"report": json.dumps(valid_body("terms_violation"))},
        files={"file": ("post.jpg", jpeg(stand_in("astronaut")), "image/jpeg")},
        timeout=60,
    )
    assert filed.status_code == 201, filed.text
    decided = httpx.post(
        f"{server}/v1/cases/{console_server_case(server, tmp_path, filed.json(), 'decider')}"
        "/decisions",
        json={"outcome": "no_violation", "reason": "not spam"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert decided.status_code == 201, decided.text


def _transparent_png() -> bytes:
    scene = np.asarray(generated_scene(9811, (200, 160)).convert("RGB"))
    alpha = np.full(scene.shape[:2], 255, np.uint8)
    alpha[:, :60] = 0
    out = io.BytesIO()
    Image.fromarray(np.dstack([scene, alpha]), "RGBA").save(out, "PNG")
    return out.getvalue()


def test_pages_run_under_a_strict_content_security_policy(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    _decided_and_sampled(server, tmp_path)

    policy = httpx.get(f"{server}/report").headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy

    filed = httpx.post(
        f"{server}/v1/reports",
        data={"report": json.dumps({"category": "child_sexual_abuse"})},
        files={"file": ("picture.jpg", jpeg(stand_in("coffee")), "image/jpeg")},
        timeout=60,
    )
    assert filed.status_code == 201, filed.text
    clip = video(
        [generated_scene(9812).resize((320, 240))] * 15,
        fps=10,
        codec="libvpx-vp9",
        container_format="webm",
    )
    files = [
        {"name": "own.jpg", "mimeType": "image/jpeg", "buffer": jpeg(generated_scene(9813))},
        {"name": "sticker.png", "mimeType": "image/png", "buffer": _transparent_png()},
        {"name": "own.webm", "mimeType": "video/webm", "buffer": clip},
    ]
    refused: list[str] = []

    def watch(message: Any) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            context.on("console", watch)
            page = context.new_page()
            page.goto(f"{server}/report")
            page.check("#category-non_consensual_intimate_imagery")
            page.set_input_files("#fingerprints", files=files)
            page.locator("#fingerprints-status", has_text="3").wait_for(timeout=60_000)
            made = json.loads(page.input_value("#fingerprints-value"))
            workers = [worker.url for worker in page.workers]
            send_intimate_imagery_form_and_track(page)
            page.check("#withdraw-confirm")  # the reporter withdraws: a plain form, no script
            page.click("#withdraw")
            page.locator("#status", has_text="withdrawn").wait_for()

            _, console_page = sign_in_in_browser(
                browser, server, "reviewer", PASSWORD, context=context
            )
            case_id = console_server_case(server, tmp_path, filed.json(), "reviewer")
            console_page.goto(f"{server}/console/cases/{case_id}")
            console_page.click("figure.blurred .reveal-button")
            revealed = console_page.locator("figure.revealed img.media-revealed")
            revealed.wait_for()
            shown = revealed.evaluate("img => img.complete && img.naturalWidth")
            console_page.fill("#note-text", "Hand-over: revealed, looks like a stand-in.")
            console_page.click("#note-form button")  # a plain form, no script
            console_page.locator("#notes-h", has_text="Notes (1)").wait_for()
            console_page.goto(f"{server}/console/accounts")  # flagged accounts, and a lookup
            console_page.locator("#no-flagged").wait_for()
            console_page.goto(f"{server}/console/overview")
            console_page.locator("tr[data-priority='P0']").wait_for()
            console_page.goto(f"{server}/console/queue")
            console_page.fill("#reference", "post-nobody-scanned")  # a post, not a reference
            console_page.press("#reference", "Enter")
            console_page.locator("#content-cases-h").wait_for()
            console_page.goto(f"{server}/console/banks")
            console_page.locator("table.banks").wait_for()
            console_page.goto(f"{server}/console/quality")  # the blind check, with a reveal
            console_page.click("a.quality-check-link")
            console_page.click("figure.blurred .reveal-button")
            console_page.locator("figure.revealed img.media-revealed").wait_for()
            console_page.check("#quality-form input[value='no_violation']")
            console_page.fill("#reason", "Not spam.")
            console_page.click("#record-check")
            console_page.locator("#agreement-overall", has_text="1 of 1").wait_for()
            context.close()
        finally:
            browser.close()

    assert [f["type"] for f in made] == ["pdq", "sha256", "pdq", "sha256", "vpdq", "sha256"]
    assert any(url.endswith("/static/device-hash.js") for url in workers), workers
    assert shown > 0
    assert refused == []
