"""PDQ (Meta's photo hash) with its eight dihedral variants, via the `pdqhash` binding."""

from __future__ import annotations

import re

import numpy as np
import pdqhash
from PIL import Image

from takedown.media import DecodedMedia, MediaType
from takedown.settings import Settings
from takedown.signals.base import MatchKind, Signal, SignalType
from takedown.signals.pdq_blocks import pdq_dihedral

# pdqhash.compute_dihedral's order. Each name is the transform whose result the hash equals
# (PIL terms: rotate90 = ROTATE_90, a quarter turn anticlockwise; rotate270 = clockwise).
PDQ_VARIANTS = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip_vertical",  # top-bottom
    "flip_horizontal",  # left-right mirror
    "transpose",
    "transverse",
)


def bits_hex(bits: np.ndarray) -> str:
    """A PDQ bit vector (pdqhash's order) as python-threatexchange's 64 hex digits."""
    return np.packbits(np.asarray(bits, np.uint8)).tobytes().hex()


def pdq_hashes(image: Image.Image) -> tuple[list[str], int]:
    """The eight dihedral PDQ hashes (hex, PDQ_VARIANTS order) and the quality 0-100."""
    pixels = np.ascontiguousarray(np.asarray(image.convert("RGB"), dtype=np.uint8))
    vectors, quality = pdqhash.compute_dihedral(pixels)
    return [bits_hex(v) for v in vectors], int(quality)


def pdq_distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


class PdqSignal(SignalType):
    name = "pdq"
    description = "the whole picture (PDQ)"
    aliases = ("hash_pdq", "pdq_hash", "photo_pdq")
    match_kind = MatchKind.HAMMING
    media_types = frozenset({MediaType.IMAGE})

    @classmethod
    def validate(cls, value: str) -> str:
        normalised = value.strip().lower()
        if not re.fullmatch("[0-9a-f]{64}", normalised):
            raise ValueError("not a PDQ hash (64 hex digits)")
        return normalised

    @classmethod
    def compute(cls, data: bytes, media: DecodedMedia, *, settings: Settings) -> list[Signal]:
        assert media.image is not None
        vectors, quality = pdq_dihedral(media.image, media.full_size, media.block)
        hashes = [bits_hex(v) for v in vectors]
        low = quality < settings.pdq_min_quality
        return [
            {
                "type": cls.name,
                "value": value,
                "quality": quality,
                "variant": variant,
                "low_quality": low,  # kept, but matched exactly only
            }
            for variant, value in zip(PDQ_VARIANTS, hashes, strict=True)
        ]
