"""Every signal type Takedown knows, in one place. A new type: one module, one line below."""

from __future__ import annotations

from takedown.errors import InvalidInput
from takedown.signals.base import SignalType
from takedown.signals.exact import Md5Signal, Sha256Signal, VideoMd5Signal, VideoSha256Signal
from takedown.signals.keypoints import PdqCropSignal
from takedown.signals.pdq import PdqSignal
from takedown.signals.regions import PdqBandSignal, PdqCenterSignal, PdqNormSignal
from takedown.signals.video_regions import VIDEO_REGION_SIGNALS
from takedown.signals.vpdq import VpdqSignal

SIGNAL_TYPES: dict[str, type[SignalType]] = {
    signal_type.name: signal_type
    for signal_type in (
        PdqSignal,
        Md5Signal,
        Sha256Signal,
        VideoMd5Signal,
        VideoSha256Signal,
        VpdqSignal,
        PdqNormSignal,
        PdqCenterSignal,
        PdqBandSignal,
        PdqCropSignal,
        *VIDEO_REGION_SIGNALS,
    )
}


def get_signal_type(name: str) -> type[SignalType]:
    """The signal type for a name or alias (case-insensitive); InvalidInput if unknown."""
    wanted = name.strip().lower()
    for signal_type in SIGNAL_TYPES.values():
        if wanted == signal_type.name or wanted in signal_type.aliases:
            return signal_type
    raise InvalidInput(
        f"unknown signal type {name!r}; known: {', '.join(SIGNAL_TYPES)}",
        code="unknown_signal_type",
    )


def normalise_signal(type_name: str, value: str) -> tuple[str, str]:
    """(canonical type name, normalised value); InvalidInput if either is wrong."""
    signal_type = get_signal_type(type_name)
    try:
        return signal_type.name, signal_type.validate(value)
    except ValueError as exc:
        raise InvalidInput(f"{signal_type.name}: {exc}", code="invalid_signal") from exc
