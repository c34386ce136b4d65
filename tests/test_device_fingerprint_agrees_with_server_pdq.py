"""Rule: the fingerprint a reporter's browser makes (web/static/device-hash.js) is the hash the
server matches with. In real headless Chromium: on the same pixels the JavaScript PDQ equals the
reference (`pdqhash`, Meta's C++) bit for bit and with the same quality; on picture files it is
within a few bits of the server's own PDQ of the upload (JPEG decoders differ slightly; EXIF
orientation applied on both sides), far inside the match threshold; the SHA-256 is the file's;
a flat picture has the low quality the reference gives it; a file that is not a picture is
refused with an error."""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pdqhash
import pytest
from PIL import Image

from takedown.settings import Settings
from takedown.signals.pdq import bits_hex, pdq_distance
from takedown.signals.service import hash_media
from takedown.signals.vpdq import parse_vpdq, vpdq_match_percentages
from tests.media import generated_scene, jpeg, stand_in, video
from tests.review_support import BROWSER_TEST_MARKS, launch_chromium

pytestmark = BROWSER_TEST_MARKS

SCRIPT = Path(__file__).resolve().parents[1] / "src/takedown/web/static/device-hash.js"
ORIGIN = "http://localhost"  # a secure context, so WebCrypto is there as on an HTTPS site


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            tab = browser.new_page()
            tab.route(
                f"{ORIGIN}/",
                lambda route: route.fulfill(
                    content_type="text/html",
                    body='<!doctype html><script src="/device-hash.js"></script>',
                ),
            )
            tab.route(
                f"{ORIGIN}/device-hash.js",
                lambda route: route.fulfill(
                    content_type="text/javascript", body=SCRIPT.read_text()
                ),
            )
            tab.goto(f"{ORIGIN}/")
            yield tab
        finally:
            browser.close()


def device_fingerprint(page: Any, data: bytes, mime: str = "image/jpeg") -> dict[str, Any]:
    return page.evaluate(
        """async ([encoded, mime]) => {
            const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
            return await window.TakedownDeviceHash.fingerprint(new Blob([bytes], {type: mime}));
        }""",
        [base64.b64encode(data).decode(), mime],
    )


def reference_pdq(image: Image.Image) -> tuple[str, int]:
    vector, quality = pdqhash.compute(np.ascontiguousarray(np.asarray(image.convert("RGB"))))
    return bits_hex(vector), int(quality)


def server_pdq(data: bytes) -> str:
    signals = hash_media(data, settings=Settings()).signals
    return next(s["value"] for s in signals if s["type"] == "pdq" and s["variant"] == "original")


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    "picture",
    [stand_in("coffee"), stand_in("chelsea"), generated_scene(31), generated_scene(32, (333, 517))],
    ids=["coffee", "chelsea", "scene", "odd-size"],
)
def test_device_pdq_equals_reference_pdq_on_the_same_pixels(page, picture: Image.Image) -> None:  # type: ignore[no-untyped-def]
    rgba = np.asarray(picture.convert("RGBA"), dtype=np.uint8)
    height, width = rgba.shape[:2]
    made = page.evaluate(
        """([encoded, width, height]) => {
            const rgba = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
            return window.TakedownDeviceHash.pdqFromRGBA(rgba, width, height);
        }""",
        [base64.b64encode(rgba.tobytes()).decode(), width, height],
    )
    expected, quality = reference_pdq(picture)
    assert pdq_distance(made["pdq"], expected) == 0
    assert made["quality"] == quality


def test_device_pdq_of_a_png_file_equals_reference(page) -> None:  # type: ignore[no-untyped-def]
    picture = stand_in("rocket")
    made = device_fingerprint(page, _png(picture), "image/png")
    expected, quality = reference_pdq(picture)
    assert pdq_distance(made["pdq"], expected) == 0
    assert (made["quality"], made["width"], made["height"]) == (quality, *picture.size)


def test_device_fingerprint_of_a_jpeg_matches_the_server_hash_of_the_upload(page) -> None:  # type: ignore[no-untyped-def]
    for picture in (stand_in("coffee"), stand_in("chelsea"), generated_scene(33)):
        data = jpeg(picture, quality=85)
        made = device_fingerprint(page, data)
        assert made["sha256"] == hashlib.sha256(data).hexdigest()
        assert pdq_distance(made["pdq"], server_pdq(data)) <= 4
        assert made["quality"] >= 80


def test_device_fingerprint_applies_exif_orientation_like_the_server(page) -> None:  # type: ignore[no-untyped-def]
    picture = stand_in("chelsea")
    stored = picture.transpose(Image.Transpose.ROTATE_90)  # as a phone stores a turned photo
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 clockwise to display"
    out = io.BytesIO()
    stored.save(out, "JPEG", quality=90, exif=exif.tobytes())
    made = device_fingerprint(page, out.getvalue())
    assert pdq_distance(made["pdq"], server_pdq(out.getvalue())) <= 4
    assert (made["width"], made["height"]) == picture.size


def test_device_fingerprint_of_a_large_photo(page) -> None:  # type: ignore[no-untyped-def]
    picture = stand_in("coffee").resize((3400, 2268), Image.Resampling.LANCZOS)
    data = jpeg(picture, quality=90)
    made = device_fingerprint(page, data)
    assert (made["width"], made["height"]) == (3400, 2268)
    assert pdq_distance(made["pdq"], server_pdq(data)) <= 10


def test_flat_picture_has_low_quality_on_the_device(page) -> None:  # type: ignore[no-untyped-def]
    flat = Image.new("RGB", (400, 300), (90, 140, 200))
    made = device_fingerprint(page, _png(flat), "image/png")
    assert made["quality"] == reference_pdq(flat)[1]
    assert made["quality"] < Settings().pdq_min_quality


def test_device_refuses_a_file_that_is_not_a_picture(page) -> None:  # type: ignore[no-untyped-def]
    refused = page.evaluate(
        """async () => {
            try {
                await window.TakedownDeviceHash.fingerprint(new Blob(["not a picture"]));
                return null;
            } catch (error) {
                return String(error.message);
            }
        }"""
    )
    assert refused == "the picture could not be decoded"


def device_video_fingerprint(page: Any, data: bytes, mime: str) -> dict[str, Any]:
    return page.evaluate(
        """async ([encoded, mime]) => {
            const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
            const file = new Blob([bytes], {type: mime});
            return await window.TakedownDeviceHash.fingerprintVideo(file);
        }""",
        [base64.b64encode(data).decode(), mime],
    )


def server_vpdq(data: bytes) -> str:
    signals = hash_media(data, settings=Settings()).signals
    return next(s["value"] for s in signals if s["type"] == "vpdq")


@pytest.mark.parametrize(
    ("codec", "container", "mime"),
    [("libvpx-vp9", "webm", "video/webm"), ("libx264", "mp4", "video/mp4")],
    ids=["webm", "mp4"],
)
def test_device_vpdq_of_a_video_matches_the_server_hash(page, codec, container, mime) -> None:  # type: ignore[no-untyped-def]
    scenes = [stand_in("coffee"), generated_scene(41), stand_in("rocket"), generated_scene(42)]
    data = slideshow_video(scenes, codec, container)
    made = device_video_fingerprint(page, data, mime)
    assert made["sha256"] == hashlib.sha256(data).hexdigest()
    device, server = parse_vpdq(made["vpdq"]), parse_vpdq(server_vpdq(data))
    assert abs(len(device) - len(server)) <= 1
    both_ways = vpdq_match_percentages(device, server), vpdq_match_percentages(server, device)
    assert all(share == 100.0 for shares in both_ways for share in shares), both_ways
    unrelated = parse_vpdq(
        server_vpdq(slideshow_video([generated_scene(43)] * 2, codec, container))
    )
    assert vpdq_match_percentages(device, unrelated) == (0.0, 0.0)


def test_device_refuses_a_video_it_cannot_decode(page) -> None:  # type: ignore[no-untyped-def]
    refused = page.evaluate(
        """async () => {
            try {
                await window.TakedownDeviceHash.fingerprintVideo(
                    new Blob(["not a video"], {type: "video/mp4"}));
                return null;
            } catch (error) {
                return String(error.message);
            }
        }"""
    )
    assert refused == "the video could not be decoded"


def slideshow_video(scenes: list[Image.Image], codec: str, container: str) -> bytes:
    """Each scene for two seconds at 10 frames a second, with a slow turn so frames differ."""
    frames = [
        scene.resize((320, 240)).rotate(i * 0.3, resample=Image.Resampling.BILINEAR)
        for scene in scenes
        for i in range(20)
    ]
    return video(frames, fps=10, codec=codec, container_format=container)
