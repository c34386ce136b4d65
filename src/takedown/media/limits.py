"""Checks shared by the image and video decoders; each raises a 4xx `MediaError`."""

from __future__ import annotations

import time

from takedown.errors import CorruptMedia, MediaTooLarge


class Deadline:
    """A wall-clock budget checked inside decode loops (a crafted file can be slow to decode)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._ends = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self._ends:
            raise CorruptMedia(
                f"decoding took longer than {self.seconds:g} s", code="decode_timeout"
            )


def check_pixels(width: int, height: int, limit: int) -> None:
    if width <= 0 or height <= 0:
        raise CorruptMedia(f"invalid dimensions {width}x{height}", code="corrupt_media")
    if width * height > limit:
        raise MediaTooLarge(
            f"{width}x{height} is more than the {limit} pixel limit",
            code="too_many_pixels",
            width=width,
            height=height,
            limit=limit,
        )


def check_duration(seconds: float, limit: float) -> None:
    if seconds > limit:
        raise MediaTooLarge(
            f"longer than the {limit:g} s limit", code="video_too_long", limit_seconds=limit
        )
