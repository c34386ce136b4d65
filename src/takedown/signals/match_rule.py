"""Takedown's combined match rule over PDQ and the region signals: default thresholds.

Every signal of an upload is queried against its own type's table; a bank entry matches within
the bank's threshold for that type (`Bank.signal_thresholds`, else DEFAULT_THRESHOLDS, else the
bank's PDQ threshold). De-rotated upload hashes are queried like the others, with the same
threshold. A match names the signal that fired, the variant and the distance, so a reviewer sees
why two pictures were matched. Video types use the vPDQ frame-share rule.
"""

from __future__ import annotations

from takedown.settings import Settings
from takedown.signals.keypoints import PDQ_CROP
from takedown.signals.regions import PDQ_BAND, PDQ_CENTER, PDQ_NORM
from takedown.signals.video_regions import VIDEO_REGION_SIGNALS
from takedown.signals.vpdq import VPDQ_QUALITY_THRESHOLD

VIDEO_REGION_TYPES = tuple(signal.name for signal in VIDEO_REGION_SIGNALS)

# bench/match_quality.py: at 31 the closest of 6,300 distractors stays at distance 66 or more on
# every rule (bench/RESULTS.md, "Match quality").
# `pdq_crop` compares the aligned central half only after at least 5 keypoints agree on one
# scale and shift; at 36 the closest unrelated picture that got that far stayed at 80.
DEFAULT_THRESHOLDS: dict[str, int] = {PDQ_NORM: 31, PDQ_CENTER: 31, PDQ_BAND: 31, PDQ_CROP: 36}

# Frames below this PDQ quality are dropped from a frame list before the vPDQ rule, on both sides.
# Plain vPDQ keeps python-threatexchange's 50 so its banks match as they do there. The region
# frame lists take 40: a sepia-toned copy of a smooth video hashes many frames at 40-49, which
# 50 dropped (bench/RESULTS.md, "Match quality": sepia copies 87.5 % at 50, 100 % at 40, no false
# match over 768 video pairs); 40 is the highest gate that recovers them, so nearly flat frames
# (fades, black title cards) stay out.
VIDEO_FRAME_MIN_QUALITY: dict[str, int] = {
    "vpdq": VPDQ_QUALITY_THRESHOLD,
    **{name: 40 for name in VIDEO_REGION_TYPES},
}


def video_frame_min_quality(signal_type: str) -> int:
    """The frame quality gate of a frame-list type (python-threatexchange's for unknown types)."""
    return VIDEO_FRAME_MIN_QUALITY.get(signal_type, VPDQ_QUALITY_THRESHOLD)


# The defaults of TAKEDOWN_BANK_VIDEO_FRAMES_PER_SECOND and TAKEDOWN_VPDQ_QUERY_MATCH_PERCENT.
BANK_VIDEO_FRAMES_PER_SECOND = float(Settings.model_fields["bank_video_frames_per_second"].default)
VIDEO_QUERY_MATCH_PERCENT = float(Settings.model_fields["vpdq_query_match_percent"].default)
PDQ_MIN_QUALITY = int(Settings.model_fields["pdq_min_quality"].default)


def thresholds_for_bench() -> dict[str, int]:
    """Every rule the benchmark reports, with its default threshold."""
    rules = {"pdq": int(Settings.model_fields["pdq_default_threshold"].default)}
    rules.update(DEFAULT_THRESHOLDS)
    rules.update({f"{t} rotated": DEFAULT_THRESHOLDS[t] for t in (PDQ_NORM, PDQ_CENTER)})
    return rules
