"""Normalisation before PDQ: shrink, then trim uniform borders (letterbox, pillarbox, padding).

Both sides of a match (bank media and scanned uploads) go through the same normalisation, so a
genuine flat region at an image's edge that gets trimmed is trimmed on both sides alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from takedown.media import DecodedMedia

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


# The arithmetic below runs on pixel values doubled (int16), so that the median colour of a line,
# a whole or half level, is an integer and every test is an integer comparison: the same answers
# as the float thresholds above, at a fraction of the cost.


def _is_border(lines: np.ndarray, colour: np.ndarray, *, chrome: bool) -> np.ndarray:
    difference = np.abs(lines - colour)
    # Largest channel difference, (n, length): elementwise, far cheaper than a max over axis 2.
    deviation = np.maximum(np.maximum(difference[..., 0], difference[..., 1]), difference[..., 2])
    near = deviation <= 2 * STRICT_TOLERANCE
    count = np.count_nonzero(near, axis=1)
    within = count / lines.shape[1]
    if chrome:
        # The bar itself is flat; only the icons and text on it differ.
        near_deviation = np.where(near, deviation, 0).sum(axis=1)
        flat = near_deviation <= 2 * STRICT_MEAN_DEVIATION * np.maximum(count, 1)
        return (within >= CHROME_SHARE) & flat
    flat = deviation.sum(axis=1) <= 2 * STRICT_MEAN_DEVIATION * lines.shape[1]
    return (within >= STRICT_SHARE) & flat


def _median_colour(line: np.ndarray) -> np.ndarray:
    """np.median per channel of a doubled line: an integer (the mean of two even values)."""
    ordered = np.sort(line, axis=0)
    return (ordered[(len(line) - 1) // 2] + ordered[len(line) // 2]) // 2


def _border_run(lines: np.ndarray, *, chrome: bool) -> int:
    """How many leading lines (axis 0) are border of the colour of the outermost line.

    `lines` is (n, length, 3) doubled int16, outermost line first; looked at in chunks from the
    edge.
    """
    colour = _median_colour(lines[0])
    limit = int(len(lines) * (1 - MIN_KEEP)) + 1
    run, start, chunk = limit, 0, 2  # most sides have no border: look at few lines first
    while start < limit:
        is_border = _is_border(lines[start : min(start + chunk, limit)], colour, chrome=chrome)
        stops = np.flatnonzero(~is_border)
        if stops.size:
            run = start + int(stops[0])
            break
        start, chunk = start + chunk, min(chunk * 4, 64)
    if run == 0 or run >= limit:
        return run
    return run + _blurred_edge(lines[run:], colour)


def _blurred_edge(lines: np.ndarray, colour: np.ndarray) -> int:
    """Lines where resizing and JPEG blurred the border into the picture (at most EDGE_LINES)."""
    depth = min(EDGE_LINES, len(lines) // 4)
    if depth == 0:
        return 0
    offset = np.abs(lines[: depth + 4] - colour).mean(axis=(1, 2))
    inner = offset[depth:].mean()
    blurred = offset[:depth] < 0.5 * inner
    stops = np.flatnonzero(~blurred)
    return int(stops[0]) if stops.size else depth


def find_content(pixels: np.ndarray, *, chrome: bool = False) -> Box:
    """The region left after trimming uniform borders, one side at a time, smallest cut first
    (so a screenshot's bars go before the margins around the picture)."""
    height, width = pixels.shape[:2]
    data = pixels.astype(np.int16) * 2  # doubled: see _is_border
    edges = {"top": 0, "bottom": height, "left": 0, "right": width}
    blocked: set[str] = set()
    for _ in range(MAX_ROUNDS):
        region = data[edges["top"] : edges["bottom"], edges["left"] : edges["right"]]
        if region.shape[0] < 2 or region.shape[1] < 2:
            break
        columns = region.transpose(1, 0, 2)
        views = {"top": region, "bottom": region[::-1], "left": columns, "right": columns[::-1]}
        # Screenshot chrome (status, navigation and app bars, captions) runs across the screen;
        # a column beside a short picture is mostly background too, so columns must be uniform.
        cuts = {
            side: _border_run(view, chrome=chrome and side in ("top", "bottom"))
            for side, view in views.items()
            if side not in blocked
        }
        cuts = {side: cut for side, cut in cuts.items() if cut > 0}
        if not cuts:
            break
        side = min(cuts, key=cuts.__getitem__)
        cut = cuts[side]
        edges[side] += cut if side in ("top", "left") else -cut
        if (
            edges["bottom"] - edges["top"] < MIN_KEEP * height
            or edges["right"] - edges["left"] < MIN_KEEP * width
        ):
            edges[side] -= cut if side in ("top", "left") else -cut
            blocked.add(side)
    return Box(edges["left"], edges["top"], edges["right"], edges["bottom"])


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
