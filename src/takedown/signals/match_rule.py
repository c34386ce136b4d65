"""Takedown's combined match rule over PDQ and the region signals, with default thresholds.

A match names the signal that fired (and, for uploads hashed at a de-rotation, the variant) and
its distance, so a reviewer sees why two pictures were matched. Banks override any threshold in
`Bank.signal_thresholds` ({signal type: distance}).
"""

from __future__ import annotations

from takedown.signals.regions import PDQ_CENTER, PDQ_NORM

# Defaults measured by bench/match_quality.py (see bench/RESULTS.md, "Match quality").
DEFAULT_THRESHOLDS: dict[str, int] = {PDQ_NORM: 31, PDQ_CENTER: 31}
# De-rotated upload hashes are several more chances to meet any bank hash: a tighter threshold.
ROTATED_THRESHOLDS: dict[str, int] = {PDQ_NORM: 31, PDQ_CENTER: 31}

# Bank videos are sampled densely so that a trimmed or re-timed upload sampled at 1 frame/s
# still lands near a bank frame; uploads stay at 1 frame/s (the scan latency budget).
BANK_VIDEO_FRAMES_PER_SECOND = 10.0
VIDEO_QUERY_MATCH_PERCENT = 80.0


def thresholds_for_bench() -> dict[str, int]:
    """Every rule the benchmark reports, with its default threshold."""
    rules = {"pdq": 31}
    rules.update(DEFAULT_THRESHOLDS)
    rules.update({f"{t} rotated": v for t, v in ROTATED_THRESHOLDS.items()})
    return rules
