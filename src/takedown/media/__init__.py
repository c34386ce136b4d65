"""Decoding attacker-controlled uploads safely: limits first, then images and videos to frames."""

from __future__ import annotations

import logging
import os
import threading

from takedown.errors import CorruptMedia, MediaError, MediaTooLarge, UnsupportedMedia
from takedown.media.formats import MediaFormat, sniff
from takedown.media.model import HASH_IMAGE_SIZE, DecodedMedia, Frame, MediaType, hash_size
from takedown.settings import Settings

__all__ = [
    "HASH_IMAGE_SIZE",
    "DecodedMedia",
    "Frame",
    "MediaFormat",
    "MediaType",
    "decode",
    "hash_size",
    "max_upload_bytes",
    "sniff",
]
log = logging.getLogger(__name__)
# Decoding is CPU-bound, so more decodes at once than cores only adds memory: each may hold a
# picture of up to max_image_pixels. Extra uploads wait here instead of multiplying the peak.
_DECODE_SLOTS = threading.BoundedSemaphore(os.cpu_count() or 2)


def max_upload_bytes(settings: Settings) -> int:
    """The largest body worth reading before the format is known."""
    return max(settings.max_image_bytes, settings.max_video_bytes)


def decode(
    data: bytes,
    *,
    settings: Settings,
    filename: str | None = None,
    frames_per_second: float | None = None,
) -> DecodedMedia:
    """Decode an upload within the configured limits; raise a 413, 415 or 422 `MediaError`.

    The format comes from the magic bytes; `filename` is used only in messages.
    """
    fps = frames_per_second or settings.video_frames_per_second
    name = filename or "upload"
    if not data:
        raise CorruptMedia(f"{name} is empty", code="empty_media")
    fmt = sniff(data[:32])
    if fmt is None:
        raise UnsupportedMedia(
            f"{name} is not a supported image or video format", code="unsupported_format"
        )
    limit = settings.max_video_bytes if fmt.is_video_container else settings.max_image_bytes
    if len(data) > limit:
        raise MediaTooLarge(
            f"{name} is {len(data)} bytes, over the {limit} byte limit for {fmt}",
            code="file_too_large",
            limit_bytes=limit,
        )
    with _DECODE_SLOTS:
        return _decode(data, fmt, settings=settings, name=name, fps=fps)


def _decode(
    data: bytes, fmt: MediaFormat, *, settings: Settings, name: str, fps: float
) -> DecodedMedia:
    try:
        if fmt.is_video_container:
            from takedown.media.video import decode_video

            return decode_video(data, fmt, settings=settings, frames_per_second=fps)
        from takedown.media.image import decode_image

        return decode_image(data, fmt, settings=settings, frames_per_second=fps)
    except MediaError:
        raise
    except MemoryError as exc:
        raise MediaTooLarge(
            f"{name} needs too much memory to decode", code="too_many_pixels"
        ) from exc
    except Exception as exc:
        # Decoders raise many exception types on hostile input; every one is the file's fault.
        log.debug("decode failed for %s (%s)", name, fmt, exc_info=exc)
        truncated = "truncated" in str(exc).lower() or isinstance(exc, EOFError)
        raise CorruptMedia(
            f"{name} could not be decoded as {fmt}: {_short(exc)}",
            code="truncated_media" if truncated else "corrupt_media",
        ) from exc


def _short(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text[:200]
