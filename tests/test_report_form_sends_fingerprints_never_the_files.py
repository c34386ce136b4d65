"""Rule: on the public form a victim can report by fingerprinting pictures and videos they
hold, and the files never leave their device. In real headless Chromium against a real `takedown
serve`: the browser hashes the chosen files (PDQ or vPDQ, and SHA-256), the request it sends holds
the hashes and not one slice of the files' bytes, the case carries them, and the tracking page
says what was sent. Without JavaScript the field is not offered (the form still works)."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from takedown.settings import Settings
from takedown.signals.pdq import pdq_distance, pdq_hashes
from takedown.signals.service import hash_media
from takedown.signals.vpdq import parse_vpdq, vpdq_match_percentages
from tests.media import generated_scene, jpeg, stand_in, video
from tests.review_support import (
    BROWSER_TEST_MARKS,
    console_server,
    launch_chromium,
    send_intimate_imagery_form_and_track,
)

pytestmark = BROWSER_TEST_MARKS


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with console_server(tmp_path, {}) as base_url:
        yield base_url


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_report_form_sends_fingerprints_never_the_files(server: str) -> None:
    from playwright.sync_api import sync_playwright

    pictures = {"own-1.jpg": jpeg(stand_in("coffee")), "own-2.png": _png(generated_scene(9303))}
    clip = {"own-3.webm": _webm([stand_in("chelsea"), generated_scene(9304)])}
    files = {name: ("image/jpeg", data) for name, data in pictures.items()} | {
        name: ("video/webm", data) for name, data in clip.items()
    }
    sent: list[bytes] = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            page.on(
                "request",
                lambda request: (
                    sent.append(request.post_data_buffer or b"")
                    if request.method == "POST"
                    else None
                ),
            )
            page.goto(f"{server}/report")
            assert page.is_visible("#fingerprints-field")
            page.check("#category-non_consensual_intimate_imagery")
            page.set_input_files(
                "#fingerprints",
                files=[
                    {"name": name, "mimeType": mime, "buffer": data}
                    for name, (mime, data) in files.items()
                ],
            )
            page.locator("#fingerprints-status", has_text="3").wait_for()
            assert "Fingerprints made: 3" in page.inner_text("#fingerprints-status")
            made: list[dict[str, Any]] = json.loads(page.input_value("#fingerprints-value"))
            send_intimate_imagery_form_and_track(page)
            said = page.inner_text("#fingerprints-sent")
        finally:
            browser.close()

    (body,) = sent
    for _, data in files.values():
        for start in range(0, len(data) - 64, max(1, len(data) // 50)):
            assert data[start : start + 64] not in body  # not one slice of the file
    assert b'name="fingerprints"' in body
    assert [f["value"] for f in made if f["type"] == "sha256"] == [
        hashlib.sha256(data).hexdigest() for _, data in files.values()
    ]
    for (name, data), pdq in zip(
        pictures.items(), [f for f in made if f["type"] == "pdq"], strict=True
    ):
        hashes, quality = pdq_hashes(Image.open(io.BytesIO(data)))
        assert pdq_distance(pdq["value"], hashes[0]) <= 2, name
        assert abs(pdq["quality"] - quality) <= 1, name
    (video_print,) = [f for f in made if f["type"] == "vpdq"]
    frames = parse_vpdq(video_print["value"])
    assert vpdq_match_percentages(frames, parse_vpdq(server_vpdq(clip["own-3.webm"]))) == (
        100.0,
        100.0,
    )
    assert "3 pictures or videos" in said


def _webm(scenes: list[Image.Image]) -> bytes:
    frames = [scene.resize((320, 240)) for scene in scenes for _ in range(20)]
    return video(frames, fps=10, codec="libvpx-vp9", container_format="webm")


def server_vpdq(data: bytes) -> str:
    signals = hash_media(data, settings=Settings()).signals
    return next(s["value"] for s in signals if s["type"] == "vpdq")


def test_fingerprint_field_is_not_offered_without_javascript(server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_context(java_script_enabled=False).new_page()
            page.goto(f"{server}/report")
            assert page.is_visible("#content_url")
            assert not page.is_visible("#fingerprints-field")
        finally:
            browser.close()
