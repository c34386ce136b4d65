"""vPDQ: PDQ of video frames sampled at a fixed rate, and its frame-set matching rule.

The value string is python-threatexchange's VPDQSignal serialisation: a JSON list of
"<pdq hex>,<quality>,<timestamp>" strings, timestamps formatted with `{:.3}` as it does.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from takedown.media import DecodedMedia, MediaType
from takedown.media.model import Frame, turned
from takedown.settings import Settings
from takedown.signals.base import MatchKind, Signal, SignalType
from takedown.signals.pdq import pdq_hashes

# python-threatexchange vpdq_util: VPDQ_DISTANCE_THRESHOLD, VPDQ_QUALITY_THRESHOLD
VPDQ_DISTANCE_THRESHOLD = 31
VPDQ_QUALITY_THRESHOLD = 50
# The query variant of a rotated video's frames before its display matrix is applied.
AS_STORED = "as stored, display rotation not applied"
_HEX = re.compile("[0-9a-fA-F]{64}")


@dataclass(frozen=True)
class VpdqFrame:
    hash: str  # PDQ hex
    quality: int  # 0-100
    timestamp: float  # seconds

    def __str__(self) -> str:
        return f"{self.hash},{self.quality},{self.timestamp:.3}"


def parse_vpdq(value: str) -> list[VpdqFrame]:
    """Frames from a vPDQ value string; ValueError if it is malformed."""
    try:
        items = json.loads(value or "[]")
    except json.JSONDecodeError as exc:
        raise ValueError("a vPDQ value is a JSON list of 'hash,quality,timestamp'") from exc
    if not isinstance(items, list):
        raise ValueError("a vPDQ value is a JSON list of 'hash,quality,timestamp'")
    return [_parse_frame(item) for item in items]


def _parse_frame(item: object) -> VpdqFrame:
    parts = item.split(",") if isinstance(item, str) else []
    try:
        pdq_hex, quality_text, time_text = parts
        frame = VpdqFrame(pdq_hex, int(quality_text), float(time_text))
    except ValueError:
        raise ValueError(f"invalid vPDQ frame: {item!r}") from None
    if not (
        _HEX.fullmatch(frame.hash)
        and 0 <= frame.quality <= 100
        and math.isfinite(frame.timestamp)
        and frame.timestamp >= 0
    ):
        raise ValueError(f"invalid vPDQ frame: {item!r}")
    return frame


def serialise_vpdq(frames: Sequence[VpdqFrame]) -> str:
    return json.dumps([str(frame) for frame in frames])


def _usable(frames: Sequence[VpdqFrame], quality_threshold: int) -> np.ndarray:
    """python-threatexchange order: drop repeated hashes first, then low-quality frames."""
    seen: set[str] = set()
    kept: list[str] = []
    for frame in frames:
        if frame.hash in seen:
            continue
        seen.add(frame.hash)
        if frame.quality >= quality_threshold:
            kept.append(frame.hash)
    if not kept:
        return np.zeros((0, 32), np.uint8)
    return np.frombuffer(bytes.fromhex("".join(kept)), np.uint8).reshape(-1, 32)


def vpdq_match_percentages(
    query: Sequence[VpdqFrame],
    bank: Sequence[VpdqFrame],
    *,
    distance_threshold: int = VPDQ_DISTANCE_THRESHOLD,
    quality_threshold: int = VPDQ_QUALITY_THRESHOLD,
) -> tuple[float, float]:
    """(percent of query frames matched, percent of bank frames matched).

    As python-threatexchange's match_VPDQ_hash_brute: a frame matches if any frame on the other
    side is within `distance_threshold`. Where it would divide by zero (no usable frames on a
    side) this answers 0.0 for that side.
    """
    query_percent, bank_percent, _ = _matched(query, bank, distance_threshold, quality_threshold)
    return query_percent, bank_percent


def _matched(
    query: Sequence[VpdqFrame],
    bank: Sequence[VpdqFrame],
    distance_threshold: int = VPDQ_DISTANCE_THRESHOLD,
    quality_threshold: int = VPDQ_QUALITY_THRESHOLD,
) -> tuple[float, float, int]:
    """`vpdq_match_percentages`, and how many usable query frames matched."""
    q, b = _usable(query, quality_threshold), _usable(bank, quality_threshold)
    if len(q) == 0 or len(b) == 0:
        return 0.0, 0.0, 0
    close = np.zeros((len(q), len(b)), bool)
    for start in range(0, len(q), 256):  # bound the (query x bank x 32) temporary
        chunk = q[start : start + 256]
        distances = np.unpackbits(chunk[:, None, :] ^ b[None, :, :], axis=2).sum(axis=2)
        close[start : start + 256] = distances <= distance_threshold
    query_matched = int(close.any(axis=1).sum())
    return query_matched * 100 / len(q), int(close.any(axis=0).sum()) * 100 / len(b), query_matched


def vpdq_is_match(
    query: Sequence[VpdqFrame], bank: Sequence[VpdqFrame], *, settings: Settings
) -> tuple[bool, float, float]:
    """Whether `query` matches `bank` by `video_rule_met`, and the two shares."""
    query_percent, bank_percent, query_matched = _matched(query, bank)
    matched = video_rule_met(query_percent, bank_percent, query_matched, settings)
    return matched, query_percent, bank_percent


def video_rule_met(
    query_percent: float, bank_percent: float, query_matched: int, settings: Settings
) -> bool:
    """The vPDQ rule (both shares at their thresholds), or a banked video inside a longer
    upload: at least `TAKEDOWN_VPDQ_CONTAINED_MIN_FRAMES` of the upload's distinct usable frames
    match it. Under the share rule alone a banked clip padded with other footage passes (a
    1-minute clip in a 10-minute upload is 10 % of its frames)."""
    shares = (
        query_percent >= settings.vpdq_query_match_percent
        and bank_percent >= settings.vpdq_index_match_percent
    )
    return shares or 0 < settings.vpdq_contained_min_frames <= query_matched


def vpdq_frames(
    media: DecodedMedia, *, turns: int = 0, frames: Sequence[Frame] | None = None
) -> list[VpdqFrame]:
    """The PDQs of `frames` (default: the media's first video stream), each frame first turned
    `turns` counterclockwise quarter turns."""
    hashed = []
    for frame in media.frames if frames is None else frames:
        hashes, quality = pdq_hashes(turned(frame.image, turns))
        hashed.append(VpdqFrame(hashes[0], quality, frame.timestamp))
    return hashed


def _signal(frames: list[VpdqFrame]) -> Signal:
    quality = round(sum(f.quality for f in frames) / len(frames)) if frames else 0
    return {
        "type": VpdqSignal.name,
        "value": serialise_vpdq(frames),
        "quality": quality,  # mean frame quality
        "frames": len(frames),
    }


class VpdqSignal(SignalType):
    name = "vpdq"
    description = "video frames (vPDQ)"
    aliases = ("hash_vpdq", "video_pdq")
    match_kind = MatchKind.VIDEO
    media_types = frozenset({MediaType.VIDEO})

    @classmethod
    def validate(cls, value: str) -> str:
        return serialise_vpdq(parse_vpdq(value))

    @classmethod
    def compute(cls, data: bytes, media: DecodedMedia, *, settings: Settings) -> list[Signal]:
        """The frames as a player shows them; for a video with a display rotation also, to query
        with, the frames as stored (what a hasher that ignores the rotation banked); then one
        signal for each further video stream."""
        signals = [_signal(vpdq_frames(media))]
        if media.display_turns:
            as_stored = _signal(vpdq_frames(media, turns=-media.display_turns))
            signals.append({**as_stored, "variant": AS_STORED})
        # A further video stream is a video of its own, hashed and matched as the first is.
        for number, frames in enumerate(media.other_streams, start=2):
            signals.append({**_signal(vpdq_frames(media, frames=frames)), "stream": number})
        return signals
