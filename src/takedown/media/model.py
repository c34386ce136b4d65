"""What decoding produces: one oriented image, or sampled frames of a video or animation."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from PIL import Image

from takedown.media.formats import MediaFormat

# PDQ blurs each axis with a box window of ceil(side / 128) px before reducing to 64x64. We
# shrink each axis so that window becomes at most 5 px and covers exactly the same share of the
# picture as at full resolution (so at most 640 px a side). Meta's C++ tool shrinks to 512 px,
# but measured against pdqhash on full pixels that drifted up to distance 18; this stays within
# 8 (docs/signals.md, "Why 640 px").
HASH_MAX_WINDOW = 5
HASH_IMAGE_SIZE = 128 * HASH_MAX_WINDOW


def hash_size(width: int, height: int) -> tuple[int, int]:
    """The size to hash an image of (width, height) at: PDQ windows matched per axis."""
    return _hash_side(width), _hash_side(height)


def _hash_side(side: int) -> int:
    window = math.ceil(side / 128)
    if window <= HASH_MAX_WINDOW:
        return side
    return max(1, round(side * HASH_MAX_WINDOW / window))


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
    image: Image.Image | None = None  # images: RGB, EXIF-oriented, shrunk to hash_size()
    frames: list[Frame] = field(default_factory=list)  # videos and animations
    duration: float | None = None  # seconds; None for still images
