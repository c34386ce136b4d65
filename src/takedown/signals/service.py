"""The one entry point for turning uploaded bytes into signals (scan, reports, enforcement)."""

from __future__ import annotations

import io
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
from PIL import Image

from takedown.media import DecodedMedia, MediaType, decode
from takedown.settings import Settings
from takedown.signals.base import Signal
from takedown.signals.registry import SIGNAL_TYPES


@dataclass(frozen=True)
class HashResult:
    media_type: MediaType
    signals: list[Signal]
    media: DecodedMedia


def hash_media(
    data: bytes,
    *,
    settings: Settings,
    filename: str | None = None,
    frames_per_second: float | None = None,
    skip: Collection[str] = (),
) -> HashResult:
    """Decode within the limits (413/415/422 `MediaError` otherwise) and compute every signal
    but the types in `skip` (a scan leaves out what no bank could match).

    `frames_per_second` overrides settings.video_frames_per_second (e.g. denser bank videos).
    """
    media = decode(data, settings=settings, filename=filename, frames_per_second=frames_per_second)
    signals = compute_signals(data, media, settings=settings, skip=skip)
    return HashResult(media.media_type, signals, media)


def compute_signals(
    data: bytes, media: DecodedMedia, *, settings: Settings, skip: Collection[str] = ()
) -> list[Signal]:
    signals: list[Signal] = []
    for signal_type in SIGNAL_TYPES.values():
        if media.media_type in signal_type.media_types and signal_type.name not in skip:
            signals.extend(signal_type.compute(data, media, settings=settings))
    return signals


def warm_up(settings: Settings) -> None:
    """Hash a small generated picture, so the compiled kernels (border_kernel.py, pdq_kernel.py)
    are built or loaded from numba's cache before an upload waits for them: about 11 s on the
    first start after install on 2 cores, 0.4 s from the cache."""
    rows, columns = np.mgrid[0:96, 0:128]
    pixels = np.stack([rows * 2, columns * 2, (rows + columns) % 256], axis=-1).astype(np.uint8)
    picture = io.BytesIO()
    Image.fromarray(pixels).save(picture, "PNG")
    hash_media(picture.getvalue(), settings=settings)


def distinct_originals(signals: list[Signal]) -> list[Signal]:
    """The signals a bank or a reader needs: each distinct value once, no query-side variants.

    The variants exist to query with (a mirrored upload's variant equals the original's hash);
    storing only originals and querying with all eight variants finds the same pairs.
    """
    kept: list[Signal] = []
    seen: set[tuple[str, str]] = set()
    for signal in signals:
        key = (signal["type"], signal["value"])
        if signal.get("variant", "original") != "original" or key in seen:
            continue
        seen.add(key)
        kept.append(signal)
    return kept
