"""Rule: the fingerprint a reporter's browser makes (web/static/device-hash.js) is the hash the
server matches with. In real headless Chromium, with files handed to a file input as a reporter
picks them: on the same pixels the JavaScript PDQ equals the reference (`pdqhash`, Meta's C++)
bit for bit, with the same quality; on picture files it equals the reference on PIL's decoding
and stays within a few bits of the server's own PDQ of the upload (which may average blocks while
decoding), EXIF orientation applied on both sides; the SHA-256 is the file's; a flat picture has
the reference's low quality; a file that is not a picture is refused with an Error. Videos: the
device's vPDQ matches the server's.

Measured (Debian Chromium 156, these pictures): distance 0 and equal quality to the reference, on
pixels and on PNG and JPEG files (EXIF-turned and 3400x2268 too); 0-2 bits to the server's hash of
the same upload. Run with -s to see the distances and the large photo's time in the browser."""

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
from PIL import Image, ImageOps

from takedown.settings import Settings
from takedown.signals.pdq import bits_hex, pdq_distance
from takedown.signals.service import hash_media
from takedown.signals.vpdq import parse_vpdq, vpdq_match_percentages
from tests.media import generated_scene, jpeg, png, stand_in, video
from tests.review_support import BROWSER_TEST_MARKS, launch_chromium

pytestmark = BROWSER_TEST_MARKS

SCRIPT = Path(__file__).resolve().parents[1] / "src/takedown/web/static/device-hash.js"
ORIGIN = "http://localhost"  # a secure context, so WebCrypto is there as on an HTTPS site
PAGE = '<!doctype html><input type="file" id="file"><script src="/static/device-hash.js"></script>'

# The PDQ reference's own rule: a distance of at most 10 is a match of the same picture (for
# quality >= 80). The server may average blocks while decoding a large JPEG, so it is held to that.
SAME_PICTURE = 10


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            tab = browser.new_page()
            tab.route(
                f"{ORIGIN}/",
                lambda route: route.fulfill(content_type="text/html", body=PAGE),
            )
            tab.route(
                f"{ORIGIN}/static/device-hash.js",
                lambda route: route.fulfill(
                    content_type="text/javascript", body=SCRIPT.read_text()
                ),
            )
            tab.goto(f"{ORIGIN}/")
            assert tab.evaluate("window.isSecureContext && !!window.TakedownDeviceHash")
            yield tab
        finally:
            browser.close()


def device_fingerprint(
    page: Any, data: bytes, name: str, mime: str, **options: int
) -> dict[str, Any]:
    """Pick the file in the page's file input and fingerprint it; adds `milliseconds` taken."""
    page.set_input_files("#file", files=[{"name": name, "mimeType": mime, "buffer": data}])
    return page.evaluate(
        """async (options) => {
            const file = document.getElementById("file").files[0];
            const started = performance.now();
            const print = await window.TakedownDeviceHash.fingerprint(file, options);
            return {...print, milliseconds: performance.now() - started};
        }""",
        options,
    )


def device_refusal(page: Any, data: bytes, name: str, mime: str) -> str | None:
    """The message of the Error the fingerprint is refused with; None if it is not refused."""
    page.set_input_files("#file", files=[{"name": name, "mimeType": mime, "buffer": data}])
    return page.evaluate(
        """async () => {
            const file = document.getElementById("file").files[0];
            try {
                await window.TakedownDeviceHash.fingerprint(file);
                return null;
            } catch (error) {
                return error instanceof Error ? error.message : null;
            }
        }"""
    )


def reference_pdq(image: Image.Image) -> tuple[str, int]:
    vector, quality = pdqhash.compute(np.ascontiguousarray(np.asarray(image.convert("RGB"))))
    return bits_hex(vector), int(quality)


def reference_pdq_of_file(data: bytes) -> tuple[str, int]:
    """The reference on PIL's decoding of the file, EXIF orientation applied."""
    return reference_pdq(ImageOps.exif_transpose(Image.open(io.BytesIO(data))))


def server_pdq(data: bytes) -> str:
    signals = hash_media(data, settings=Settings()).signals
    return next(s["value"] for s in signals if s["type"] == "pdq" and s["variant"] == "original")


def measured(label: str, **values: object) -> None:
    print(f"\n{label}: " + ", ".join(f"{key}={value}" for key, value in values.items()))


@pytest.mark.parametrize(
    "picture",
    [
        stand_in("coffee"),
        stand_in("chelsea"),
        generated_scene(31),
        generated_scene(32, (333, 517)),
        generated_scene(34, (64, 64)),  # the reference's no-filter size
        generated_scene(35, (5, 7)),  # the smallest it hashes
        generated_scene(36, (4, 40)),  # too small: the reference's zero hash, quality 0
    ],
    ids=["coffee", "chelsea", "scene", "odd-size", "64x64", "5x7", "4x40"],
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


@pytest.mark.parametrize(
    "reading",
    [{}, {"stripRows": 37, "tileColumns": 100}],
    ids=["default-strips", "small-strips-and-tiles"],
)
def test_device_pdq_of_a_png_file_equals_reference_pdq(page, reading: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    picture = stand_in("rocket")  # 427x640: several strips, and several tiles a row when small
    data = png(picture)
    made = device_fingerprint(page, data, "rocket.png", "image/png", **reading)
    expected, quality = reference_pdq(picture)
    assert pdq_distance(made["pdq"], expected) == 0
    assert (made["quality"], made["width"], made["height"]) == (quality, *picture.size)
    assert made["sha256"] == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    "reading",
    [{}, {"stripRows": 37, "tileColumns": 100}],
    ids=["default-strips", "small-strips-and-tiles"],
)
def test_device_hashes_the_colour_under_transparent_areas_like_the_server(page, reading) -> None:  # type: ignore[no-untyped-def]
    """A canvas reads fully transparent pixels back as black; the server (Pillow) hashes the
    colour stored under them. The device reads such pictures unpremultiplied (WebGL), so a
    picture a third transparent, or half see-through, hashes as on the server."""
    scene = np.asarray(generated_scene(37, (300, 240)).convert("RGB"))
    alpha = np.full(scene.shape[:2], 255, np.uint8)
    alpha[:, :100] = 0  # the left third fully transparent, its colours kept in the file
    alpha[:40, 100:] = 128  # and a half see-through band
    data = png(Image.fromarray(np.dstack([scene, alpha]), "RGBA"))
    made = device_fingerprint(page, data, "sticker.png", "image/png", **reading)
    expected, quality = reference_pdq_of_file(data)
    to_server = pdq_distance(made["pdq"], server_pdq(data))
    measured("transparent", to_reference=pdq_distance(made["pdq"], expected), to_server=to_server)
    assert pdq_distance(made["pdq"], expected) == 0
    assert made["quality"] == quality
    assert to_server <= 2  # the server hashes a 1/4-scale decode (signals/pdq_blocks.py)


def test_device_fingerprint_of_a_jpeg_equals_reference_and_matches_the_server(page) -> None:  # type: ignore[no-untyped-def]
    for name, picture in (
        ("coffee", stand_in("coffee")),
        ("chelsea", stand_in("chelsea")),
        ("scene", generated_scene(33)),
    ):
        data = jpeg(picture, quality=85)
        made = device_fingerprint(page, data, f"{name}.jpg", "image/jpeg")
        expected, quality = reference_pdq_of_file(data)
        to_reference = pdq_distance(made["pdq"], expected)
        to_server = pdq_distance(made["pdq"], server_pdq(data))
        measured(name, to_reference=to_reference, to_server=to_server, quality=made["quality"])
        assert made["sha256"] == hashlib.sha256(data).hexdigest()
        assert to_reference <= 2  # measured 0: Chromium and PIL both decode with libjpeg-turbo
        assert abs(made["quality"] - quality) <= 1
        assert to_server <= SAME_PICTURE


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_device_fingerprint_applies_exif_orientation_like_the_server(page, orientation) -> None:  # type: ignore[no-untyped-def]
    shown = stand_in("chelsea")  # 451x300, as it should be displayed
    # A camera stores the sensor's pixels and says in EXIF how to turn them for display.
    stored = shown.transpose(
        {
            3: Image.Transpose.ROTATE_180,
            6: Image.Transpose.ROTATE_90,  # "rotate 90 clockwise to display"
            8: Image.Transpose.ROTATE_270,
        }[orientation]
    )
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    stored.save(out, "JPEG", quality=90, exif=exif.tobytes())
    data = out.getvalue()
    made = device_fingerprint(page, data, "turned.jpg", "image/jpeg")
    to_reference = pdq_distance(made["pdq"], reference_pdq_of_file(data)[0])
    to_server = pdq_distance(made["pdq"], server_pdq(data))
    to_unturned = pdq_distance(made["pdq"], reference_pdq(stored)[0])
    measured(f"orientation {orientation}", to_reference=to_reference, to_server=to_server)
    assert (made["width"], made["height"]) == shown.size
    assert to_reference <= 2
    assert to_server <= SAME_PICTURE
    assert to_unturned > 3 * SAME_PICTURE  # the stored pixels, unturned, are another picture


def test_device_fingerprint_of_a_large_photo_matches_the_server(page) -> None:  # type: ignore[no-untyped-def]
    picture = stand_in("coffee").resize((3400, 2268), Image.Resampling.LANCZOS)
    data = jpeg(picture, quality=90)
    made = device_fingerprint(page, data, "large.jpg", "image/jpeg")
    to_reference = pdq_distance(made["pdq"], reference_pdq_of_file(data)[0])
    to_server = pdq_distance(made["pdq"], server_pdq(data))
    measured(
        "3400x2268 JPEG",
        to_reference=to_reference,
        to_server=to_server,
        browser_ms=round(made["milliseconds"]),
    )
    assert (made["width"], made["height"]) == (3400, 2268)
    assert to_reference <= 2
    assert to_server <= SAME_PICTURE


def test_flat_picture_has_the_reference_low_quality_on_the_device(page) -> None:  # type: ignore[no-untyped-def]
    flat = Image.new("RGB", (400, 300), (90, 140, 200))
    made = device_fingerprint(page, png(flat), "flat.png", "image/png")
    assert made["quality"] == reference_pdq(flat)[1]
    assert made["quality"] < Settings().pdq_min_quality  # 50


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (b"not a picture", "text/plain"),
        (b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8, "image/jpeg"),  # a JPEG header, then junk
        (png(generated_scene(37))[:24], "image/png"),  # a PNG cut off after its signature
    ],
    ids=["text", "corrupt-jpeg", "cut-png"],
)
def test_device_refuses_a_file_that_is_not_a_picture(page, data: bytes, mime: str) -> None:  # type: ignore[no-untyped-def]
    assert device_refusal(page, data, "upload", mime) == "the picture could not be decoded"


def device_video_fingerprint(page: Any, data: bytes, mime: str) -> dict[str, Any]:
    page.set_input_files("#file", files=[{"name": "clip", "mimeType": mime, "buffer": data}])
    return page.evaluate(
        """async () => await window.TakedownDeviceHash.fingerprintVideo(
            document.getElementById("file").files[0])"""
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
