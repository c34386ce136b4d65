"""Region signals of video frames: vPDQ-format frame lists hashed after border trimming.

- `vpdq_norm`: each sampled frame's PDQ after trimming uniform borders, so a letterboxed,
  pillarboxed or padded copy of a video meets its original frame by frame.
- `vpdq_center`: each frame's PDQ of the central region, so a logo on a corner does not move it.
- `vpdq_band_top`, `vpdq_band_bottom`: each frame's top and bottom 70 %, so a large caption over
  a corner leaves one of the two untouched (one type each: the vPDQ rule compares frame lists).

Values use the vPDQ serialisation (signals/vpdq.py) and the vPDQ frame-share rule; the plain
`vpdq` signal stays untouched so python-threatexchange vPDQ banks keep matching.
"""

from __future__ import annotations

from typing import ClassVar

from takedown.media import DecodedMedia, MediaType
from takedown.settings import Settings
from takedown.signals.base import MatchKind, Signal, SignalType
from takedown.signals.normalise import trimmed_content
from takedown.signals.regions import bands, center_region, pdq_hex
from takedown.signals.vpdq import VpdqFrame, parse_vpdq, serialise_vpdq


def _frames(media: DecodedMedia) -> dict[str, list[VpdqFrame]]:
    """Both region frame lists from one normalisation per frame (cached on the media)."""
    cached = getattr(media, "_video_region_frames", None)
    if cached is None:
        cached = {cls.name: [] for cls in VIDEO_REGION_SIGNALS}
        for frame in media.frames:
            pixels = trimmed_content(frame.image)
            band = bands(pixels)
            for name, region in (
                (VpdqNormSignal.name, pixels),
                (VpdqCenterSignal.name, center_region(pixels)),
                (VpdqBandTopSignal.name, band["top"]),
                (VpdqBandBottomSignal.name, band["bottom"]),
            ):
                value, quality = pdq_hex(region)
                cached[name].append(VpdqFrame(value, quality, frame.timestamp))
        media._video_region_frames = cached  # type: ignore[attr-defined]
    return cached


class _VideoRegionSignal(SignalType):
    match_kind = MatchKind.VIDEO
    media_types = frozenset({MediaType.VIDEO})
    region: ClassVar[str]

    @classmethod
    def validate(cls, value: str) -> str:
        return serialise_vpdq(parse_vpdq(value))

    @classmethod
    def compute(cls, data: bytes, media: DecodedMedia, *, settings: Settings) -> list[Signal]:
        frames = _frames(media)[cls.name]
        quality = round(sum(f.quality for f in frames) / len(frames)) if frames else 0
        return [
            {
                "type": cls.name,
                "value": serialise_vpdq(frames),
                "quality": quality,
                "frames": len(frames),
            }
        ]


class VpdqNormSignal(_VideoRegionSignal):
    name = "vpdq_norm"
    description = "video frames with borders trimmed"


class VpdqCenterSignal(_VideoRegionSignal):
    name = "vpdq_center"
    description = "the centre of the video frames"


class VpdqBandTopSignal(_VideoRegionSignal):
    name = "vpdq_band_top"
    description = "the top band of the video frames"


class VpdqBandBottomSignal(_VideoRegionSignal):
    name = "vpdq_band_bottom"
    description = "the bottom band of the video frames"


VIDEO_REGION_SIGNALS = (VpdqNormSignal, VpdqCenterSignal, VpdqBandTopSignal, VpdqBandBottomSignal)
