"""Rule: letterboxed, pillarboxed and padded (any solid colour) copies of a benign image hash
(pdq_norm from POST /v1/hash) within a small distance of the original, although plain PDQ moves far;
an image with a genuine dark region at its edge is not over-trimmed."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from takedown.signals.normalise import Box, find_content, working_copy
from tests.media import jpeg, stand_in

CLOSE = 16  # well inside the default threshold of 31


def _pad(image: Image.Image, left: int, top: int, right: int, bottom: int, colour) -> Image.Image:  # type: ignore[no-untyped-def]
    canvas = Image.new("RGB", (image.width + left + right, image.height + top + bottom), colour)
    canvas.paste(image, (left, top))
    return canvas


def _hashes(client, headers, data: bytes) -> dict[str, str]:  # type: ignore[no-untyped-def]
    answer = client.post("/v1/hash", files={"file": ("a.jpg", data)}, headers=headers)
    assert answer.status_code == 200, answer.text
    return {
        s["type"]: s["value"]
        for s in answer.json()["signals"]
        if s.get("variant") in (None, "original")
    }


def _distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


BOXES = {
    "letterbox": ((0, 90, 0, 90), (0, 0, 0)),
    "pillarbox": ((140, 0, 140, 0), (0, 0, 0)),
    "white padding": ((30, 50, 70, 20), (255, 255, 255)),
    "magenta padding": ((60, 20, 25, 45), (200, 30, 120)),
}


@pytest.mark.parametrize("name", ["chelsea", "coffee"])
def test_boxed_copies_hash_close_after_trimming(client, auth_header, name: str) -> None:
    headers = auth_header("scan")
    original = stand_in(name)
    reference = _hashes(client, headers, jpeg(original))
    for box, (sides, colour) in BOXES.items():
        copy = _hashes(client, headers, jpeg(_pad(original, *sides, colour), quality=75))
        assert _distance(copy["pdq_norm"], reference["pdq_norm"]) <= CLOSE, box
        # The border alone moves plain PDQ far: without trimming this copy would be missed.
        assert _distance(copy["pdq"], reference["pdq"]) > 31, box


def test_genuine_dark_region_is_not_trimmed(client, auth_header) -> None:
    """A night-sky band (dark, but with real texture) along the top stays part of the picture."""
    rng = np.random.default_rng(7)
    picture = np.asarray(stand_in("chelsea")).copy()
    band = picture.shape[0] // 3
    sky = rng.normal(18, 7, (band, picture.shape[1], 3)) + np.linspace(0, 12, band)[:, None, None]
    picture[:band] = np.clip(sky, 0, 255).astype(np.uint8)
    image = Image.fromarray(picture)
    pixels = working_copy(Image.open(io.BytesIO(jpeg(image))))
    assert find_content(pixels, chrome=True) == Box(0, 0, pixels.shape[1], pixels.shape[0])

    # Over HTTP: the dark-banded picture and its lower part alone stay far apart.
    headers = auth_header("scan")
    whole = _hashes(client, headers, jpeg(image))
    lower = _hashes(client, headers, jpeg(image.crop((0, band, image.width, image.height))))
    assert _distance(whole["pdq_norm"], lower["pdq_norm"]) > 31


def test_black_bars_are_found_exactly() -> None:
    original = np.asarray(stand_in("chelsea").resize((240, 160)))
    boxed = np.zeros((240, 240, 3), np.uint8)
    boxed[40:200] = original
    box = find_content(boxed, chrome=True)
    assert abs(box.top - 40) <= 2 and abs(box.bottom - 200) <= 2
    assert (box.left, box.right) == (0, 240)
