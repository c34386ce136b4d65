"""`pdq_crop`: find a banked picture inside a crop of it, then confirm with PDQ.

A crop at an unknown offset lines up with neither the whole original nor its centre, so no fixed
region hash meets it. This signal first lines the upload up with a banked picture, then hashes
the part of the upload where the banked picture's central half must be:

1. Keypoints: OpenCV ORB (FAST corners, 256-bit binary descriptors) on the trimmed picture,
   resized so its longer side is `SIDE` px. Banked with their positions.
2. Candidates: every upload descriptor votes for the bank pictures holding its `NEIGHBOURS`
   nearest descriptors (within `DESCRIPTOR_RADIUS` bits; the match index searches every row of a
   small bank and the nearest faiss IVF lists of a large one, index/descriptors.py); the
   `CANDIDATES` pictures with most votes go on.
3. Alignment: a scale-and-shift fit (no turn: a crop does not turn the picture) from every pair
   of the strongest matched keypoints, the fit with most inliers kept and refined by least squares.
   Fewer than `MIN_INLIERS` inliers: no match.
4. Confirmation: the upload region the fit maps the banked picture's central half onto is hashed
   with PDQ (at the fitted place and shifted by `REFINE_STEP` of its size each way) and compared
   with the banked PDQ of that central half; the bank's `pdq_crop` threshold decides.

The keypoints only say where to look; the PDQ of the aligned region decides. Measured on the
benchmark (bench/RESULTS.md, "Match quality"): no false match, while unrelated pictures of the
same generated kind fit up to 21 keypoints (docs/match-quality.md).

Value (banks and uploads alike): `1;<width>x<height>;<pdq hex>;<base64>` where width x height is
the trimmed picture's size in px, the PDQ is its central half's, and the base64 holds one record
per keypoint: x and y as uint16 in 1/65535 of the longer side, then the 32-byte descriptor.
"""

from __future__ import annotations

import base64
import binascii
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from takedown.errors import InvalidInput
from takedown.media import DecodedMedia, MediaType
from takedown.settings import Settings
from takedown.signals.base import MatchKind, Signal, SignalType
from takedown.signals.normalise import trimmed_upload
from takedown.signals.pdq import PdqSignal, bits_hex, pdq_distance
from takedown.signals.pdq_blocks import pdq_bits
from takedown.signals.regions import center_region

PDQ_CROP = "pdq_crop"
VERSION = "1"
SIDE = 400  # keypoints are found on the trimmed picture at this longer side (up or down)
KEYPOINTS = 256
# FAST's corner threshold: 5 finds corners on smooth generated scenes that 10 misses (crops of
# 75 %: 91.9 % recall at 10, 98.1 % at 5; bench/RESULTS.md).
FAST_THRESHOLD = 5
EDGE = 15  # px: ORB's border without keypoints (edgeThreshold) and its patch size
# ORB finds no keypoint within EDGE of the border, so a picture whose shorter side is under this
# at SIDE has none (a banner, a strip: 8000 x 20 px is 400 x 1), and OpenCV's pyramid fails on it.
MIN_SHORTER_SIDE = 2 * EDGE + 1
WINDOW_SHARE = 0.5  # the confirmed region: any crop keeping 75 % of each side contains it
# Bits. Nearest-neighbour votes ranked the right picture first for every benchmark crop at 24,
# 28, 32 and 40; 28 keeps the multi-index search narrow (bench/crop_index.py).
DESCRIPTOR_RADIUS = 28
NEIGHBOURS = 2  # nearest bank descriptors that each upload descriptor votes for
CANDIDATES = 3  # bank pictures (most votes first) that are aligned and confirmed
MIN_INLIERS = 5
INLIER_ERROR = 0.01  # of the longer side
MAX_TURN_DEGREES = 3.0
SCALE_RANGE = (0.5, 2.0)
HYPOTHESIS_PAIRS = 64  # strongest matched pairs that seed fits (2,016 fits, vectorised)
REFINE_STEP = 0.02  # of the region's size: the fitted place and its 8 neighbours are hashed
OUTSIDE_TOLERANCE = 0.03  # of the longer side: how far the region may reach past the upload
RECORD = np.dtype([("x", "<u2"), ("y", "<u2"), ("descriptor", "u1", (32,))])


@dataclass(frozen=True)
class Keypoints:
    """A picture's keypoints: positions in units of its longer side, and ORB descriptors."""

    width: int
    height: int
    window_pdq: str
    window_quality: int
    points: np.ndarray  # (n, 2) float32, x and y / longer side
    descriptors: np.ndarray  # (n, 32) uint8

    @property
    def extent(self) -> tuple[float, float]:
        """(width, height) in units of the longer side."""
        longer = max(self.width, self.height)
        return self.width / longer, self.height / longer

    def value(self) -> str:
        records = np.zeros(len(self.points), RECORD)
        records["x"] = np.round(np.clip(self.points[:, 0], 0, 1) * 65535)
        records["y"] = np.round(np.clip(self.points[:, 1], 0, 1) * 65535)
        records["descriptor"] = self.descriptors
        packed = base64.b64encode(records.tobytes()).decode()
        return f"{VERSION};{self.width}x{self.height};{self.window_pdq};{packed}"


def parse(value: str) -> Keypoints:
    """A `pdq_crop` value read back; ValueError if it is malformed."""
    parts = value.strip().split(";")
    if len(parts) != 4 or parts[0] != VERSION:
        raise ValueError(f"expected '{VERSION};<width>x<height>;<pdq hex>;<base64 keypoints>'")
    try:
        width, height = (int(side) for side in parts[1].split("x"))
        raw = base64.b64decode(parts[3], validate=True)
    except (ValueError, binascii.Error) as exc:
        raise ValueError(f"unreadable size or keypoints: {exc}") from None
    if width <= 0 or height <= 0 or len(raw) % RECORD.itemsize:
        raise ValueError("bad size or keypoint records")
    if len(raw) > KEYPOINTS * RECORD.itemsize:
        raise ValueError(f"more than {KEYPOINTS} keypoints")
    records = np.frombuffer(raw, RECORD)
    points = np.stack([records["x"], records["y"]], axis=1).astype(np.float32) / 65535
    window = PdqSignal.validate(parts[2])
    return Keypoints(width, height, window, 0, points, np.ascontiguousarray(records["descriptor"]))


def descriptor_words(descriptors: np.ndarray) -> np.ndarray:
    """ORB descriptors as (n, 4) uint64 rows, the match index's 256-bit hash layout."""
    return (
        np.frombuffer(np.ascontiguousarray(descriptors).tobytes(), ">u8")
        .astype(np.uint64)
        .reshape(-1, 4)
    )


def too_thin_for_keypoints(pixels: np.ndarray) -> bool:
    """Whether a picture's shorter side, at SIDE px on its longer, is too short for any keypoint."""
    height, width = pixels.shape[:2]
    return min(height, width) * SIDE / max(height, width) < MIN_SHORTER_SIDE


def keypoints_of(pixels: np.ndarray) -> Keypoints:
    """Keypoints of a trimmed RGB picture (`normalise.trimmed_content`) that is not
    `too_thin_for_keypoints`."""
    height, width = pixels.shape[:2]
    grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    scale = SIDE / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    orb = cv2.ORB.create(
        nfeatures=KEYPOINTS, fastThreshold=FAST_THRESHOLD, edgeThreshold=EDGE, patchSize=EDGE
    )
    found, descriptors = orb.detectAndCompute(grey, None)
    if descriptors is None or not found:
        points, descriptors = np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8)
    else:
        points = np.array([k.pt for k in found], np.float32) / max(grey.shape)
    bits, quality = pdq_bits(center_region(pixels, WINDOW_SHARE))
    return Keypoints(width, height, bits_hex(bits), quality, points, descriptors)


def needs_the_picture(signal_type: str = PDQ_CROP) -> InvalidInput:
    """The error for matching `pdq_crop` by value alone: its confirmation hashes the picture."""
    return InvalidInput(
        f"{signal_type} is confirmed on the picture itself: scan the file (POST /v1/scan)",
        code="signal_needs_media",
    )


# --- alignment and confirmation -------------------------------------------------------------


@dataclass(frozen=True)
class Alignment:
    scale: float  # bank units per upload unit (each in its own longer side)
    shift: tuple[float, float]
    inliers: int


def align(upload: np.ndarray, bank: np.ndarray) -> Alignment | None:
    """Best scale-and-shift fit taking upload points onto bank points (pairs strongest first)."""
    count = len(upload)
    if count < MIN_INLIERS:
        return None
    seeds = min(count, HYPOTHESIS_PAIRS)
    first, second = np.triu_indices(seeds, 1)
    d_upload = upload[second] - upload[first]
    d_bank = bank[second] - bank[first]
    n_upload = np.hypot(d_upload[:, 0], d_upload[:, 1])
    n_bank = np.hypot(d_bank[:, 0], d_bank[:, 1])
    spread = (n_upload > 0.03) & (n_bank > 0.03)  # pairs too close together fix no scale
    scale = np.divide(n_bank, n_upload, out=np.zeros_like(n_bank), where=spread)
    cosine = np.divide(
        (d_upload * d_bank).sum(axis=1), n_upload * n_bank, out=np.zeros_like(n_bank), where=spread
    )
    usable = (
        spread
        & (cosine > np.cos(np.radians(MAX_TURN_DEGREES)))
        & (scale > SCALE_RANGE[0])
        & (scale < SCALE_RANGE[1])
    )
    if not usable.any():
        return None
    first, second, scale = first[usable], second[usable], scale[usable]
    shift = (bank[first] + bank[second]) / 2 - scale[:, None] * (upload[first] + upload[second]) / 2
    predicted = scale[:, None, None] * upload[None] + shift[:, None, :]
    inliers = np.hypot(*(predicted - bank[None]).transpose(2, 0, 1)) < INLIER_ERROR
    best = inliers[int(np.argmax(inliers.sum(axis=1)))]
    if best.sum() < MIN_INLIERS:
        return None
    kept_upload, kept_bank = upload[best], bank[best]
    centred_upload = kept_upload - kept_upload.mean(axis=0)
    centred_bank = kept_bank - kept_bank.mean(axis=0)
    fitted = float((centred_upload * centred_bank).sum() / max((centred_upload**2).sum(), 1e-12))
    offset = kept_bank.mean(axis=0) - fitted * kept_upload.mean(axis=0)
    return Alignment(fitted, (float(offset[0]), float(offset[1])), int(best.sum()))


def confirm(pixels: np.ndarray, alignment: Alignment, banked: Keypoints) -> tuple[int, int] | None:
    """(PDQ distance, quality) of the upload region where the banked central half lies, at the
    fitted place or a neighbour, whichever is closest; None if the region is not in the upload."""
    bank_width, bank_height = banked.extent
    margin = (1 - WINDOW_SHARE) / 2
    corners = np.array([[margin, margin], [1 - margin, 1 - margin]]) * (bank_width, bank_height)
    height, width = pixels.shape[:2]
    longer = max(height, width)
    (x0, y0), (x1, y1) = (corners - np.array(alignment.shift)) / alignment.scale * longer
    tolerance = OUTSIDE_TOLERANCE * longer
    if x0 < -tolerance or y0 < -tolerance or x1 > width + tolerance or y1 > height + tolerance:
        return None
    region_width, region_height = round(x1 - x0), round(y1 - y0)
    if region_width < 16 or region_height < 16:
        return None
    best: tuple[int, int] | None = None
    for step_x in (0, -1, 1):
        for step_y in (0, -1, 1):
            left = min(max(0, round(x0 + step_x * REFINE_STEP * region_width)), width - 16)
            top = min(max(0, round(y0 + step_y * REFINE_STEP * region_height)), height - 16)
            region = pixels[top : top + region_height, left : left + region_width]
            bits, quality = pdq_bits(np.ascontiguousarray(region))
            distance = pdq_distance(bits_hex(bits), banked.window_pdq)
            if best is None or distance < best[0]:
                best = (distance, quality)
    return best


# --- registered signal type -----------------------------------------------------------------


class PdqCropSignal(SignalType):
    """Keypoints plus the PDQ of the central half: one value per picture, banked and queried."""

    name = PDQ_CROP
    description = "a cropped part of the picture, found by its keypoints"
    aliases = ("crop",)
    match_kind = MatchKind.KEYPOINTS
    media_types = frozenset({MediaType.IMAGE})

    @classmethod
    def validate(cls, value: str) -> str:
        parse(value)
        return value.strip()

    @classmethod
    def compute(cls, data: bytes, media: DecodedMedia, *, settings: Settings) -> list[Signal]:
        if media.image is None:
            return []
        pixels = trimmed_upload(media)
        if too_thin_for_keypoints(pixels):
            return []  # nothing to line up; the other signals still cover the picture
        found = keypoints_of(pixels)
        return [{"type": cls.name, "value": found.value(), "quality": found.window_quality}]


# --- matching an upload ---------------------------------------------------------------------


class Neighbour(Protocol):
    """One upload descriptor's near bank descriptor (index.service.KeypointNeighbour)."""

    query_row: int
    entry_id: int
    bank_id: int
    position: int
    distance: int


@dataclass(frozen=True)
class CropMatch:
    entry_id: int
    bank_id: int
    distance: int  # PDQ distance of the aligned central half
    quality: int
    alignment: Alignment

    @property
    def variant(self) -> str:
        return f"aligned: {self.alignment.inliers} keypoints, scale {1 / self.alignment.scale:.2f}"


def match_upload(
    pixels: np.ndarray,
    upload: Keypoints,
    neighbours: Sequence[Neighbour],
    banked_values: Callable[[list[int]], dict[int, str]],
) -> list[CropMatch]:
    """Align the upload with the bank pictures most of its descriptors point to, and hash the
    region where each one's central half lies (distances for the caller's thresholds)."""
    by_entry: dict[int, list[Neighbour]] = defaultdict(list)
    for neighbour in neighbours:
        by_entry[neighbour.entry_id].append(neighbour)
    votes = {entry: len({n.query_row for n in found}) for entry, found in by_entry.items()}
    chosen = [e for e in sorted(votes, key=lambda e: (-votes[e], e)) if votes[e] >= MIN_INLIERS]
    chosen = chosen[:CANDIDATES]
    values = banked_values(chosen) if chosen else {}
    matches = []
    for entry_id in chosen:
        if entry_id not in values:
            continue
        try:
            banked = parse(values[entry_id])
        except ValueError:
            continue  # banks validate on the way in; a bad row never matches
        pairs = sorted(by_entry[entry_id], key=lambda n: (n.distance, n.query_row))
        positions = np.array([n.position for n in pairs])
        if positions.max(initial=-1) >= len(banked.points):
            continue
        alignment = align(upload.points[[n.query_row for n in pairs]], banked.points[positions])
        if alignment is None:
            continue
        confirmed = confirm(pixels, alignment, banked)
        if confirmed is not None:
            matches.append(CropMatch(entry_id, pairs[0].bank_id, *confirmed, alignment))
    return matches
