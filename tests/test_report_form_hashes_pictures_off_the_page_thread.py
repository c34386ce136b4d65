"""Rule: fingerprinting a large photo never freezes the report form. The form hashes pictures in a
Web Worker (device-hash.js run as a worker), so the page's own thread stays free: its longest task
while a 24-megapixel photo is hashed is a small fraction of the longest task when the same photo
is hashed on the page (measured side by side, Chromium's Long Tasks API). The worker's fingerprint
is the page's, and a browser without workers still gets one, made on the page."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from takedown.signals.pdq import pdq_distance, pdq_hashes
from tests.media import generated_scene
from tests.review_support import BROWSER_TEST_MARKS, console_server, launch_chromium

pytestmark = BROWSER_TEST_MARKS

WATCH_LONG_TASKS = """
window.longTasks = [];
new PerformanceObserver(function (list) {
  list.getEntries().forEach(function (entry) {
    window.longTasks.push({ start: entry.startTime, duration: entry.duration });
  });
}).observe({ type: "longtask", buffered: true });
"""

LONGEST_TASK_SINCE = """
(since) => Math.max(0, ...window.longTasks.filter((t) => t.start >= since).map((t) => t.duration))
"""

HASH_ON_THE_PAGE = """
async () => {
  const since = performance.now();
  const file = document.getElementById("fingerprints").files[0];
  const print = await window.TakedownDeviceHash.fingerprint(file);
  await new Promise((resolve) => setTimeout(resolve, 200));  // the observer reports after
  return { since: since, print: print };
}
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with console_server(tmp_path, {}) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def large_photo() -> bytes:
    out = io.BytesIO()
    generated_scene(9411).resize((6000, 4000), Image.Resampling.BICUBIC).save(
        out, "JPEG", quality=88
    )
    return out.getvalue()


def _choose(page: Any, photo: bytes) -> list[dict[str, Any]]:
    page.check("#category-non_consensual_intimate_imagery")
    page.set_input_files(
        "#fingerprints",
        files=[{"name": "own.jpg", "mimeType": "image/jpeg", "buffer": photo}],
    )
    page.locator("#fingerprints-status", has_text="1").wait_for(timeout=120_000)
    return json.loads(page.input_value("#fingerprints-value"))


def test_report_form_hashes_pictures_off_the_page_thread(server: str, large_photo: bytes) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            page.add_init_script(WATCH_LONG_TASKS)
            page.goto(f"{server}/report")
            page.wait_for_timeout(300)  # the page's own loading is not the hashing
            since = page.evaluate("performance.now()")
            made = _choose(page, large_photo)
            page.wait_for_timeout(200)
            longest_off_thread = page.evaluate(LONGEST_TASK_SINCE, since)
            workers = [worker.url for worker in page.workers]
            on_page = page.evaluate(HASH_ON_THE_PAGE)
            longest_on_page = page.evaluate(LONGEST_TASK_SINCE, on_page["since"])
        finally:
            browser.close()

    assert any(url.endswith("/static/device-hash.js") for url in workers), workers
    pdq = next(f for f in made if f["type"] == "pdq")
    assert pdq["value"] == on_page["print"]["pdq"]  # the worker's hash is the page's
    assert pdq["quality"] == on_page["print"]["quality"]
    hashes, _ = pdq_hashes(Image.open(io.BytesIO(large_photo)))
    assert pdq_distance(pdq["value"], hashes[0]) <= 2
    # On the page, hashing 24 megapixels is one long task; in the worker the page barely works.
    assert longest_on_page > 4 * max(longest_off_thread, 50.0), (
        longest_off_thread,
        longest_on_page,
    )


def test_a_browser_without_workers_hashes_on_the_page(server: str, large_photo: bytes) -> None:
    from playwright.sync_api import sync_playwright

    small = io.BytesIO()
    Image.open(io.BytesIO(large_photo)).resize((600, 400)).save(small, "JPEG", quality=90)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            page.add_init_script("window.Worker = undefined;")
            page.goto(f"{server}/report")
            made = _choose(page, small.getvalue())
            workers = list(page.workers)
        finally:
            browser.close()

    assert workers == []
    pdq = next(f for f in made if f["type"] == "pdq")
    hashes, _ = pdq_hashes(Image.open(io.BytesIO(small.getvalue())))
    assert pdq_distance(pdq["value"], hashes[0]) <= 2


def test_the_worker_hashes_transparent_areas_as_the_page_does(server: str) -> None:
    """The worker reads transparent pictures unpremultiplied too (WebGL in an OffscreenCanvas)."""
    import numpy as np
    from playwright.sync_api import sync_playwright

    scene = np.asarray(generated_scene(9412, (300, 240)).convert("RGB"))
    alpha = np.full(scene.shape[:2], 255, np.uint8)
    alpha[:, :100] = 0
    out = io.BytesIO()
    Image.fromarray(np.dstack([scene, alpha]), "RGBA").save(out, "PNG")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            page.goto(f"{server}/report")
            page.check("#category-non_consensual_intimate_imagery")
            page.set_input_files(
                "#fingerprints",
                files=[{"name": "sticker.png", "mimeType": "image/png", "buffer": out.getvalue()}],
            )
            page.locator("#fingerprints-status", has_text="1").wait_for()
            made = json.loads(page.input_value("#fingerprints-value"))
            workers = [worker.url for worker in page.workers]
        finally:
            browser.close()

    assert any(url.endswith("/static/device-hash.js") for url in workers)
    pdq = next(f for f in made if f["type"] == "pdq")
    hashes, _ = pdq_hashes(Image.open(io.BytesIO(out.getvalue())))
    assert pdq_distance(pdq["value"], hashes[0]) == 0
