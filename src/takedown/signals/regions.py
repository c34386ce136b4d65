"""PDQ of the normalised picture and of its central region, for bank media and for uploads.

- `pdq_norm`: PDQ after trimming uniform borders and screenshot chrome (normalise.py), so a
  letterboxed, padded or screenshotted copy hashes like its original.
- `pdq_center`: PDQ of the central region of the normalised picture. A logo or caption on a corner,
  a modest crop, or the black corners of a rotated copy leave the centre intact.

Uploads are additionally hashed at a few small de-rotations (rotation.py) so a copy turned by a few
degrees meets its original. Every hash carries PDQ's quality; flat regions hash with low quality
and are never matched by distance (see MIN_QUALITY).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from takedown.media import DecodedMedia, MediaType
from takedown.settings import Settings
from takedown.signals.base import MatchKind, Signal, SignalType
from takedown.signals.normalise import (
    trim_borders,
    trimmed_content,
    trimmed_upload,
    upload_working_copy,
    working_copy,
)
from takedown.signals.pdq import PdqSignal, bits_hex
from takedown.signals.pdq_blocks import pdq_bits
from takedown.signals.rotation import QUERY_ANGLES, derotate

PDQ_NORM = "pdq_norm"
PDQ_CENTER = "pdq_center"
PDQ_BAND = "pdq_band"
REGION_SIGNAL_TYPES = (PDQ_NORM, PDQ_CENTER, PDQ_BAND)

# Share of each side kept by the centre region: corners (logos, captions) and a crop of up to
# about a fifth of each side fall outside it.
CENTER_SHARE = 0.6
# Height of the top and the bottom band: a caption over a corner up to 30 % tall leaves the band
# on the other side intact even where it reaches into the centre region.
BAND_SHARE = 0.7
# Region hashes of uploads below this PDQ quality (flat or nearly flat) are matched exactly only:
# the default of TAKEDOWN_REGION_MIN_QUALITY, chosen with bench/match_quality.py (gates 50, 40, 30
# and 20 all gave zero false matches; 20 recovers most de-rotated and centre hashes).
MIN_QUALITY = 20


@dataclass(frozen=True)
class RegionHash:
    type: str
    value: str  # 64 hex digits, python-threatexchange PDQ format
    quality: int
    variant: str = ""  # how the upload was transformed before hashing, e.g. "rotated -4"
    part: str = ""  # which part of the picture, where a type has several ("top", "bottom")

    def as_signal(self) -> dict[str, object]:
        signal: dict[str, object] = {"type": self.type, "value": self.value}
        signal["quality"] = self.quality
        if self.variant:
            signal["variant"] = self.variant
        if self.part:
            signal["part"] = self.part
        return signal


def pdq_hex(pixels: np.ndarray) -> tuple[str, int]:
    """PDQ hash (hex) and quality of an RGB uint8 array."""
    bits, quality = pdq_bits(pixels)
    return bits_hex(bits), quality


def center_region(pixels: np.ndarray, share: float = CENTER_SHARE) -> np.ndarray:
    height, width = pixels.shape[:2]
    dy, dx = round(height * (1 - share) / 2), round(width * (1 - share) / 2)
    return np.ascontiguousarray(pixels[dy : height - dy, dx : width - dx])


def bands(pixels: np.ndarray, share: float = BAND_SHARE) -> dict[str, np.ndarray]:
    height = pixels.shape[0]
    rows = max(1, round(height * share))
    return {
        "top": np.ascontiguousarray(pixels[:rows]),
        "bottom": np.ascontiguousarray(pixels[height - rows :]),
    }


def _hashes_of(normalised: np.ndarray, variant: str = "") -> list[RegionHash]:
    norm_value, norm_quality = pdq_hex(normalised)
    center_value, center_quality = pdq_hex(center_region(normalised))
    hashes = [
        RegionHash(PDQ_NORM, norm_value, norm_quality, variant),
        RegionHash(PDQ_CENTER, center_value, center_quality, variant),
    ]
    if not variant:  # de-rotated uploads are matched on the whole picture and its centre only
        for part, band in bands(normalised).items():
            hashes.append(RegionHash(PDQ_BAND, *pdq_hex(band), part=part))
    return hashes


def reference_hashes(image: Image.Image | np.ndarray) -> list[RegionHash]:
    """Region hashes of bank media (what the index stores)."""
    return _hashes_of(trimmed_content(image))


def query_hashes(
    image: Image.Image | np.ndarray,
    *,
    rotations: bool = True,
    pixels: np.ndarray | None = None,
    trimmed: np.ndarray | None = None,
) -> list[RegionHash]:
    """Region hashes of an upload: as is, then at each small de-rotation (`pixels` and
    `trimmed`: its working copy and trimmed content, where already made)."""
    pixels = working_copy(image) if pixels is None else pixels
    hashes = _hashes_of(trimmed_content(image, pixels) if trimmed is None else trimmed)
    if rotations:
        for angle in QUERY_ANGLES:
            turned = trim_borders(derotate(pixels, angle), chrome=True)
            hashes.extend(_hashes_of(turned, f"rotated {angle:+g}"))
    return hashes


# --- registered signal types --------------------------------------------------------------


class _RegionSignal(SignalType):
    """A PDQ-family hash of a normalised region: hamming kind, 64 hex digits, images only.

    Uploads carry extra `variant: "rotated ±n"` hashes (query side only, like PDQ's dihedral
    variants); banks store the unrotated hash.
    """

    match_kind = MatchKind.HAMMING
    media_types = frozenset({MediaType.IMAGE})

    validate = PdqSignal.validate  # the same 64-hex-digit PDQ format

    @classmethod
    def compute(cls, data: bytes, media: DecodedMedia, *, settings: Settings) -> list[Signal]:
        if media.image is None:
            return []
        signals = []
        for region_hash in _cached_query_hashes(media):
            if region_hash.type != cls.name:
                continue
            signal = region_hash.as_signal()
            signal["low_quality"] = region_hash.quality < settings.region_min_quality
            signals.append(signal)
        return signals


def _cached_query_hashes(media: DecodedMedia) -> list[RegionHash]:
    """Both region types come from one normalisation pass per upload."""
    cached = getattr(media, "_region_hashes", None)
    if cached is None:
        assert media.image is not None  # callers hash still images only
        cached = query_hashes(
            media.image, pixels=upload_working_copy(media), trimmed=trimmed_upload(media)
        )
        media._region_hashes = cached  # type: ignore[attr-defined]
    return cached


class PdqNormSignal(_RegionSignal):
    name = PDQ_NORM
    description = "the picture with borders and screenshot bars trimmed"
    aliases = ("pdq_normalised", "pdq_trimmed")


class PdqCenterSignal(_RegionSignal):
    name = PDQ_CENTER
    description = "the centre of the picture (corners overlaid or cropped)"
    aliases = ("pdq_centre",)


class PdqBandSignal(_RegionSignal):
    """Two values per picture (`part` top and bottom), both banked."""

    name = PDQ_BAND
    description = "the top or bottom band of the picture (a caption over the other)"
