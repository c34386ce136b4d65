"""vPDQ values as the index sees them: the usable frame hashes of a video.

The match rule is `takedown.signals.vpdq` (python-threatexchange's): repeated frame hashes count
once and frames below quality 50 (40 for the region frame lists, see
`signals.match_rule.VIDEO_FRAME_MIN_QUALITY`) are dropped, on both sides; a bank video matches
when the share of query frames within distance 31 of one of its frames reaches
`vpdq_query_match_percent` and the share of its frames matched reaches
`vpdq_index_match_percent`. The index applies the same rule over every bank video at once instead
of one pair at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from takedown.signals.vpdq import (
    VPDQ_DISTANCE_THRESHOLD,
    VPDQ_QUALITY_THRESHOLD,
    VpdqFrame,
    parse_vpdq,
)

DISTANCE_THRESHOLD = VPDQ_DISTANCE_THRESHOLD


@dataclass(frozen=True)
class VideoHit:
    entry_id: int
    bank_id: int
    query_match_percent: float
    index_match_percent: float
    signal_type: str = "vpdq"  # or a frame-list region type (vpdq_norm, vpdq_center)


def frame_hashes(
    value: str | Sequence[VpdqFrame], min_quality: int = VPDQ_QUALITY_THRESHOLD
) -> list[str]:
    """Usable frame hashes, in the order and with the filters of `signals.vpdq`; a frame-list
    type's `min_quality` is `signals.match_rule.VIDEO_FRAME_MIN_QUALITY[type]`."""
    frames = parse_vpdq(value) if isinstance(value, str) else value
    seen: set[str] = set()
    kept: list[str] = []
    for frame in frames:
        if frame.hash in seen:
            continue
        seen.add(frame.hash)
        if frame.quality >= min_quality:
            kept.append(frame.hash.lower())
    return kept
