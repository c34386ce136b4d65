"""The two-person rule end to end in real headless Chromium against a real `takedown serve`:
a public report of a post the platform scanned, with the reporter's copy of its (benign) image;
each reviewer's first sign-in (password, then an authenticator set up from the key on the page,
recovery codes shown); reviewer A sees only a blurred greyscale preview and records a lone
no_violation, the case lands in second review, reviewer B closes it, and the reporter's
tracking page moves from "in review" to "no action"."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image, ImageFilter

from tests.media import jpeg, stand_in
from tests.review_support import (
    BROWSER_TEST_MARKS,
    BROWSER_TIMEOUT_MS,
    console_server,
    console_server_api_key,
    launch_chromium,
    sign_in_in_browser,
)

PASSWORDS = {"reviewer-a": "first reviewer password", "reviewer-b": "second reviewer password"}
TIMEOUT_MS = BROWSER_TIMEOUT_MS
SCREENSHOT = Path(os.environ.get("TAKEDOWN_SCREENSHOT", "/tmp/takedown-console-case.png"))

pytestmark = BROWSER_TEST_MARKS


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with console_server(tmp_path, PASSWORDS) as base:
        yield base


def _blurred_and_grey(data: bytes, original: bytes) -> None:
    preview = Image.open(io.BytesIO(data))
    rgb = np.asarray(preview.convert("RGB"), int)
    assert np.abs(rgb[..., 0] - rgb[..., 1]).max() <= 2, "preview is not greyscale"
    assert np.abs(rgb[..., 1] - rgb[..., 2]).max() <= 2, "preview is not greyscale"

    def energy(image: Image.Image) -> float:
        grey = image.convert("L")
        smooth = grey.filter(ImageFilter.GaussianBlur(2))
        return float(np.abs(np.asarray(grey, float) - np.asarray(smooth, float)).mean())

    reference = Image.open(io.BytesIO(original)).resize(preview.size)
    assert energy(preview) < 1.0 and energy(reference) > 4 * energy(preview), "not blurred"


def _login(browser, base: str, username: str):  # type: ignore[no-untyped-def]
    return sign_in_in_browser(browser, base, username, PASSWORDS[username])


def test_two_person_rule_in_the_browser(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    base = server
    image = jpeg(stand_in("chelsea"))
    image_path = tmp_path / "benign-stand-in.jpg"
    image_path.write_bytes(image)
    address = "https://platform.example/p/two-person"
    httpx.post(  # the platform scanned the post at upload
        f"{base}/v1/scan",
        files={"file": ("upload.jpg", image, "image/jpeg")},
        data={"content_id": "post-two-person", "content_url": address},
        headers={"Authorization": f"Bearer {console_server_api_key(tmp_path, 'scan')}"},
        timeout=60,
    ).raise_for_status()

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            # The public form: child sexual abuse, anonymous, with a benign stand-in image.
            public_context = browser.new_context()
            public_context.set_default_timeout(TIMEOUT_MS)
            public = public_context.new_page()
            public.goto(f"{base}/report")
            public.check("#category-child_sexual_abuse")
            public.fill("#content_url", address)
            public.set_input_files("#file", str(image_path))
            public.click("button[type=submit]")
            tracking_url = public.get_attribute("#tracking-link", "href")
            case_id = public.inner_text("#case-reference").strip()
            assert tracking_url and case_id.startswith("case_")
            public.goto(tracking_url)
            assert public.inner_text("#status").strip() == "received"

            # Reviewer A: the queue, the case, a blurred greyscale preview, a lone no_violation.
            context_a, page_a = _login(browser, base, "reviewer-a")
            page_a.click(f"a.case-link:text('{case_id}')")
            page_a.wait_for_url(f"{base}/console/cases/{case_id}")
            preview = page_a.locator("img.media-preview").first
            preview.wait_for()
            assert page_a.evaluate(
                "img => img.complete && img.naturalWidth > 0", preview.element_handle()
            )
            src = preview.get_attribute("src")
            assert src and src.endswith("/preview.jpg")
            served = context_a.request.get(f"{base}{src}")
            assert served.ok and served.headers["content-type"] == "image/jpeg"
            _blurred_and_grey(served.body(), image)
            page_a.screenshot(path=str(SCREENSHOT), full_page=True)

            # Reveal (its button; no key reveals): an htmx POST with the CSRF header swaps in
            # the original.
            page_a.locator("figure.blurred .reveal-button").first.click()
            revealed = page_a.locator("figure.revealed img")
            revealed.wait_for()
            assert (revealed.get_attribute("src") or "").startswith("data:image/jpeg;base64,")
            page_a.reload()  # the case page shows the blurred preview again

            page_a.keyboard.press("n")  # shortcut: choose "no violation"
            assert page_a.is_checked("#outcome-no-violation")
            page_a.fill("#reason", "Looks like a cat photo, no abuse.")
            page_a.click("#record-decision")
            page_a.wait_for_url(f"{base}/console/cases/{case_id}?notice=second_review")
            assert page_a.inner_text("#case-status").strip() == "second review"
            assert page_a.locator("#decision-form").count() == 0  # A cannot be the second look

            public.goto(tracking_url)
            assert public.inner_text("#status").strip() == "in review"

            # Reviewer B finds it in the second-review queue and closes it.
            context_b, page_b = _login(browser, base, "reviewer-b")
            page_b.goto(f"{base}/console/queue?queue=second_review")
            page_b.click(f"a.case-link:text('{case_id}')")
            page_b.wait_for_url(f"{base}/console/cases/{case_id}")
            page_b.check("#outcome-no-violation")
            page_b.fill("#reason", "Agree: a cat, nothing else.")
            page_b.click("#record-decision")
            page_b.wait_for_url(f"{base}/console/cases/{case_id}?notice=decided")
            assert page_b.inner_text("#case-status").strip() == "no action"

            public.goto(tracking_url)
            assert public.inner_text("#status").strip() == "no action"
            context_a.close()
            context_b.close()
        finally:
            browser.close()
