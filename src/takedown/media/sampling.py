"""Choosing which decoded frames of a video or animation to keep for hashing, within memory."""

from __future__ import annotations

from PIL import Image

from takedown.media.model import Frame


class FrameSampler:
    """One frame per 1/`fps` seconds, all kept frames together within `budget_bytes` of RGB.

    A small file can hold hours of frames that each decode to a full hash-size picture (a
    one-frame-per-second slideshow); past the budget every other kept frame is dropped and the
    rate halves, so the whole video is still covered, more sparsely, in bounded memory.
    `tolerance`: how far before its sampling time a frame may come and still be taken.
    """

    def __init__(self, fps: float, budget_bytes: int, *, tolerance: float = 1e-6) -> None:
        self.step = 1.0 / fps
        self.budget_bytes = budget_bytes
        self.tolerance = tolerance
        self.frames: list[Frame] = []
        self.thinned = 0  # how many times the rate was halved
        self._bytes = 0
        self._next = 0.0

    def wants(self, timestamp: float) -> bool:
        return timestamp + self.tolerance >= self._next

    def restart(self, timestamp: float) -> None:
        """Sample again from `timestamp`, earlier than frames already seen."""
        self._next = min(self._next, timestamp)

    def keep(self, timestamp: float, image: Image.Image) -> None:
        self.frames.append(Frame(round(timestamp, 3), image))
        self._bytes += _rgb_bytes(image)
        while self._next <= timestamp + self.tolerance:
            self._next += self.step
        while self._bytes > self.budget_bytes and len(self.frames) > 1:
            self._thin()

    def _thin(self) -> None:
        self.frames = self.frames[::2]
        self._bytes = sum(_rgb_bytes(frame.image) for frame in self.frames)
        self.step *= 2
        self._next = self.frames[-1].timestamp + self.step
        self.thinned += 1


def _rgb_bytes(image: Image.Image) -> int:
    return image.width * image.height * 3
