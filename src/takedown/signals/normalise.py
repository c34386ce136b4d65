"""Normalisation before PDQ: shrink, then trim uniform borders (letterbox, pillarbox, padding).

Both sides of a match (bank media and scanned uploads) go through the same normalisation, so a
genuine flat region at an image's edge that gets trimmed is trimmed on both sides alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from takedown.media import DecodedMedia
from takedown.signals.border_kernel import content_box

# PDQ reduces every image to 64x64 internally; hashing a 256-pixel copy costs far less and moves
# the hash by a few bits at most.
WORKING_SIZE = 256

# A border line: nearly every pixel within TOLERANCE of the border colour, and little spread
# around it (JPEG leaves a flat bar almost flat; real dark or bright content is noisier).
STRICT_TOLERANCE = 14
STRICT_SHARE = 0.98
STRICT_MEAN_DEVIATION = 3.0
# Screenshot chrome: a bar of one colour carrying sparse icons and text.
CHROME_SHARE = 0.5
# Never leave less than this share of a dimension: below it the remaining strip carries too
# little of the picture to hash.
MIN_KEEP = 0.25
MAX_ROUNDS = 12
# Lines at most this deep past a border may be the border blurred by resizing and JPEG.
EDGE_LINES = 6


@dataclass(frozen=True)
class Box:
    """Kept region in working-image pixels: [left, right) x [top, bottom)."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top


def _rgb_array(image: Image.Image | np.ndarray) -> np.ndarray:
    if isinstance(image, np.ndarray):
        return np.ascontiguousarray(image[..., :3], dtype=np.uint8)
    return np.asarray(image.convert("RGB"), dtype=np.uint8)


def working_copy(image: Image.Image | np.ndarray) -> np.ndarray:
    """RGB uint8 array whose longest side is at most WORKING_SIZE."""
    if isinstance(image, np.ndarray):
        image = Image.fromarray(_rgb_array(image))
    image = image.convert("RGB")
    longest = max(image.size)
    if longest > WORKING_SIZE:
        scale = WORKING_SIZE / longest
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return np.asarray(image, dtype=np.uint8)


def find_content(pixels: np.ndarray, *, chrome: bool = False) -> Box:
    """The region left after trimming uniform borders, one side at a time, smallest cut first
    (so a screenshot's bars go before the margins around the picture).

    Compiled: border_kernel.py.
    """
    left, top, right, bottom = content_box(
        np.ascontiguousarray(pixels[..., :3], dtype=np.uint8),
        chrome,
        MIN_KEEP,
        MAX_ROUNDS,
        EDGE_LINES,
        2 * STRICT_TOLERANCE,
        STRICT_SHARE,
        2 * STRICT_MEAN_DEVIATION,
        CHROME_SHARE,
    )
    return Box(int(left), int(top), int(right), int(bottom))


def trim_borders(pixels: np.ndarray, *, chrome: bool = False) -> np.ndarray:
    """`pixels` without uniform borders; the same array when there are none."""
    box = find_content(pixels, chrome=chrome)
    if box == Box(0, 0, pixels.shape[1], pixels.shape[0]):
        return pixels
    return np.ascontiguousarray(pixels[box.top : box.bottom, box.left : box.right])


def trimmed_content(image: Image.Image | np.ndarray, small: np.ndarray | None = None) -> np.ndarray:
    """The picture at its decoded resolution, cut to the box left after trimming uniform borders
    and sparse screenshot chrome (`find_content`).

    The box is found on the small working copy (`small`, made here if not given), but the
    pixels come from the decode: a boxed copy's content may fill only half the working copy.
    Hashed from there, a pillarboxed copy's PDQ moved 20 bits from its original's; hashed from
    the decoded pixels, 0 (tests/test_border_trim_keeps_boxed_copies_close.py's pictures).
    """
    pixels = _rgb_array(image)
    if small is None:
        small = working_copy(pixels)
    box = find_content(small, chrome=True)
    if box == Box(0, 0, small.shape[1], small.shape[0]):
        return pixels
    scale_y, scale_x = pixels.shape[0] / small.shape[0], pixels.shape[1] / small.shape[1]
    return np.ascontiguousarray(
        pixels[
            round(box.top * scale_y) : round(box.bottom * scale_y),
            round(box.left * scale_x) : round(box.right * scale_x),
        ]
    )


def upload_working_copy(media: DecodedMedia) -> np.ndarray:
    """`working_copy` of an uploaded still, made once per upload (region hashes, de-rotations)."""
    cached = getattr(media, "_working_copy", None)
    if cached is None:
        assert media.image is not None  # still images only
        cached = working_copy(media.image)
        media._working_copy = cached  # type: ignore[attr-defined]
    return cached


def trimmed_upload(media: DecodedMedia) -> np.ndarray:
    """`trimmed_content` of an uploaded still, made once per upload: the region hashes and the
    `pdq_crop` keypoints start from the same pixels."""
    cached = getattr(media, "_trimmed_content", None)
    if cached is None:
        assert media.image is not None  # still images only
        cached = trimmed_content(media.image, upload_working_copy(media))
        media._trimmed_content = cached  # type: ignore[attr-defined]
    return cached
