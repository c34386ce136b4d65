"""Known material across media: a banked picture shown in a video (a slideshow of known
pictures), and a still taken from a banked video.

A video's frame hash and a picture's hash are the same PDQ, so each usable frame of an uploaded
video is matched against banked pictures, and an uploaded picture against the frames of banked
videos, each under the bank's own threshold and the frame quality gate. One frame is enough:
the vPDQ share rule is for comparing two videos, and a picture is one frame. Measured for false
matches in bench/RESULTS.md ("Across media")."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from takedown.index.segments import VPDQ
from takedown.scan.quality_gate import low_quality
from takedown.settings import Settings
from takedown.signals.match_rule import video_frame_min_quality
from takedown.signals.video_regions import VpdqNormSignal
from takedown.signals.vpdq import parse_vpdq

PICTURE = "pdq"
# Frame lists whose frames are pictures as PDQ sees them: plain frames, and frames with their
# borders trimmed (a letterboxed slideshow).
FRAME_TYPES = (VPDQ, VpdqNormSignal.name)
STILL_OF_A_BANKED_VIDEO = "a still of the banked video"

Keep = Callable[[Any, str | None], None]  # (index hit, variant in words)


def match_across_media(
    index: Any, signals: Sequence[dict[str, Any]], settings: Settings, keep: Keep
) -> None:
    """Hand `keep` every hit of a video's frames on banked pictures and of a picture on the
    frames of banked videos."""
    frames = _frames_of(signals)
    if frames and index.holds(PICTURE):
        values = list(frames)
        for value, hits in zip(values, index.query_many(PICTURE, values), strict=True):
            for hit in hits:
                keep(hit, f"video frame at {frames[value]:.1f} s")
    pictures = _pictures_of(signals, settings)
    if pictures and index.holds(VPDQ):
        values = list(pictures)
        for value, hits in zip(values, index.query_frames(VPDQ, values), strict=True):
            for hit in hits:
                keep(
                    hit,
                    ", ".join(part for part in (STILL_OF_A_BANKED_VIDEO, pictures[value]) if part),
                )


def _frames_of(signals: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Each usable frame hash of the upload's frame lists, with the time it is first seen."""
    first_seen: dict[str, float] = {}
    for signal in signals:
        signal_type = str(signal.get("type", ""))
        if signal_type not in FRAME_TYPES:
            continue
        try:
            frames = parse_vpdq(str(signal.get("value") or "[]"))
        except ValueError:
            continue
        gate = video_frame_min_quality(signal_type)
        for frame in frames:
            if frame.quality >= gate:
                first_seen.setdefault(frame.hash.lower(), frame.timestamp)
    return first_seen


def _pictures_of(signals: Sequence[dict[str, Any]], settings: Settings) -> dict[str, str]:
    """Each PDQ of an uploaded picture (every orientation) above the quality gate, with its
    orientation in words ("" for the original)."""
    pictures: dict[str, str] = {}
    for signal in signals:
        value = signal.get("value")
        if signal.get("type") != PICTURE or not isinstance(value, str) or not value:
            continue
        if low_quality(signal, settings):
            continue
        variant = str(signal.get("variant") or "")
        pictures.setdefault(value.lower(), "" if variant == "original" else variant)
    return pictures
