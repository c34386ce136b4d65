"""What decoding produces: one oriented image, or sampled frames of a video or animation."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from PIL import Image

from takedown.media.formats import MediaFormat

# Video and animation frames: PDQ blurs each axis with a box window of ceil(side / 128) px before
# reducing to 64x64. Frames are shrunk so that window becomes at most 5 px and covers the same
# share of the picture as at full resolution (so at most 640 px a side), then hashed by pdqhash.
# Still images go through signals/pdq_blocks.py instead (see MIN_BLOCKED_SIDE).
HASH_MAX_WINDOW = 5
HASH_IMAGE_SIZE = 128 * HASH_MAX_WINDOW
# Still images are decoded averaged over the largest block (1, 2, 4 or 8 px) that leaves at
# least this many pixels on the short side: signals/pdq_blocks.py then reproduces the
# full-resolution PDQ within a few bits (measured in bench/RESULTS.md, "Hashing").
MIN_BLOCKED_SIDE = 192


def block_for(width: int, height: int) -> int:
    """The averaging block to decode a still image of (width, height) at."""
    return next(k for k in (8, 4, 2, 1) if k == 1 or min(width, height) // k >= MIN_BLOCKED_SIDE)


def hash_size(width: int, height: int) -> tuple[int, int]:
    """The size to hash an image of (width, height) at: PDQ windows matched per axis."""
    return _hash_side(width), _hash_side(height)


def _hash_side(side: int) -> int:
    window = math.ceil(side / 128)
    if window <= HASH_MAX_WINDOW:
        return side
    return max(1, round(side * HASH_MAX_WINDOW / window))


_QUARTER_TURNS = {
    1: Image.Transpose.ROTATE_90,
    2: Image.Transpose.ROTATE_180,
    3: Image.Transpose.ROTATE_270,
}


def turned(image: Image.Image, turns: int) -> Image.Image:
    """`image` turned counterclockwise by `turns` quarter turns."""
    turns %= 4
    return image.transpose(_QUARTER_TURNS[turns]) if turns else image


class MediaType(StrEnum):
    IMAGE = "image"
    VIDEO = "video"


@dataclass(frozen=True)
class Frame:
    timestamp: float  # seconds from the start
    image: Image.Image  # RGB, shrunk to hash_size()


@dataclass
class DecodedMedia:
    media_type: MediaType
    format: MediaFormat
    width: int  # as stored (before EXIF orientation), full resolution
    height: int
    # images: RGB, EXIF-oriented, averaged over `block` x `block` pixels of the full picture
    image: Image.Image | None = None
    block: int = 1
    full_size: tuple[int, int] | None = None  # (width, height) after EXIF orientation
    frames: list[Frame] = field(default_factory=list)  # videos and animations
    duration: float | None = None  # seconds; None for still images
    # videos: the display matrix's counterclockwise quarter turns, already applied to `frames`
    display_turns: int = 0
    # videos: the sampled frames of every further video stream, in the file's order
    other_streams: list[list[Frame]] = field(default_factory=list)
