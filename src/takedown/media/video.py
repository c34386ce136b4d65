"""Videos through PyAV (FFmpeg in its wheels): frames streamed, sampled and shrunk one by one."""

from __future__ import annotations

import io

import av

from takedown.errors import CorruptMedia, MediaTooLarge, UnsupportedMedia
from takedown.media.formats import DEMUXERS, MediaFormat
from takedown.media.limits import Deadline, check_duration, check_pixels
from takedown.media.model import DecodedMedia, MediaType, hash_size, turned
from takedown.media.sampling import FrameSampler
from takedown.settings import Settings


def _cut_short(data: bytes, fmt: MediaFormat) -> bool:
    """An MP4 (ISO base media) whose top-level boxes run past the end of the file: the upload
    was cut off, which the client can fix by sending it again (truncated_media)."""
    if fmt is not MediaFormat.MP4:
        return False
    offset = 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        if size == 1 and offset + 16 <= len(data):
            size = int.from_bytes(data[offset + 8 : offset + 16], "big")
        elif size == 0:  # the last box runs to the end of the file
            return False
        if size < 8:
            return False  # not a box structure at all: corrupt, not cut short
        offset += size
    return offset > len(data) or 0 < len(data) - offset < 8


# Every video stream is hashed (a second one could carry what the first does not show), up to
# this many: each costs a decoder and a frame budget.
MAX_VIDEO_STREAMS = 4


def decode_video(
    data: bytes, fmt: MediaFormat, *, settings: Settings, frames_per_second: float
) -> DecodedMedia:
    deadline = Deadline(settings.video_decode_timeout_seconds)
    broken = "truncated_media" if _cut_short(data, fmt) else "corrupt_media"
    try:
        container = av.open(io.BytesIO(data), mode="r", format=DEMUXERS[fmt])
    except av.FFmpegError as exc:
        raise CorruptMedia(f"not a readable {fmt} container", code=broken) from exc
    with container:
        streams = list(container.streams.video)
        if not streams:
            raise UnsupportedMedia("the file has no video stream", code="no_video_stream")
        if len(streams) > MAX_VIDEO_STREAMS:
            raise MediaTooLarge(
                f"{len(streams)} video streams, more than {MAX_VIDEO_STREAMS}",
                code="too_many_video_streams",
                limit=MAX_VIDEO_STREAMS,
            )
        budget = settings.max_video_frame_memory_bytes // len(streams)
        readers = [
            _StreamReader(container, stream, settings, frames_per_second, budget)
            for stream in streams
        ]
        by_index = {reader.stream.index: reader for reader in readers}
        try:
            for packet in container.demux(*streams):
                deadline.check()
                reader = by_index[packet.stream.index]
                for frame in packet.decode():
                    deadline.check()
                    if isinstance(frame, av.VideoFrame):
                        reader.add(frame)
        except av.FFmpegError as exc:
            raise CorruptMedia(
                "the video stream could not be decoded", code="corrupt_media"
            ) from exc
    decoded = [reader for reader in readers if reader.sampler.frames]
    if not decoded:
        raise CorruptMedia("no decodable video frames", code=broken)
    first, others = decoded[0], decoded[1:]
    frames = first.sampler.frames
    return DecodedMedia(
        media_type=MediaType.VIDEO,
        format=fmt,
        width=first.width,
        height=first.height,
        frames=frames,
        duration=round(max(first.declared or 0.0, *(f.timestamp for f in frames)), 3),
        display_turns=first.first_turns or 0,
        other_streams=[reader.sampler.frames for reader in others],
    )


def _declared_duration(
    container: av.container.InputContainer, stream: av.VideoStream
) -> float | None:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    return None


# A display matrix's quarter turns are applied as players (and FFmpeg's autorotate) apply them:
# a phone video is stored landscape and shown upright. Other angles are left as stored.
def quarter_turns(rotation: float | None) -> int:
    """Counterclockwise quarter turns (0-3) of a display-matrix rotation in degrees."""
    if not rotation or round(rotation) % 90:
        return 0
    return round(rotation / 90) % 4


class _StreamReader:
    """One video stream's limits and sampled frames, upright as a player shows them."""

    def __init__(
        self,
        container: av.container.InputContainer,
        stream: av.VideoStream,
        settings: Settings,
        fps: float,
        budget_bytes: int,
    ) -> None:
        self.stream = stream
        self.settings = settings
        # Frame threading: about 1.5x faster on these 2 cores, and decode time is the limit.
        stream.thread_type = "AUTO"
        self.width, self.height = stream.codec_context.width, stream.codec_context.height
        check_pixels(self.width, self.height, settings.max_video_pixels_per_frame)
        self.declared = _declared_duration(container, stream)
        if self.declared is not None:
            check_duration(self.declared, settings.max_video_seconds)
        self.rate = float(stream.average_rate or stream.guessed_rate or 25)
        self.sampler = FrameSampler(fps, budget_bytes)
        self.first_turns: int | None = None
        self._decoded = 0
        self._start: float | None = None
        self._previous: float | None = None

    def add(self, frame: av.VideoFrame) -> None:
        index, self._decoded = self._decoded, self._decoded + 1
        check_pixels(frame.width, frame.height, self.settings.max_video_pixels_per_frame)
        absolute = frame.time if frame.time is not None else index / self.rate
        if self._start is None or absolute < self._start:
            self._start = absolute  # the earliest time so far: no timestamp is negative
        timestamp = absolute - self._start
        if self._previous is not None and absolute < self._previous:
            # Time went back (timestamps out of order, as a crafted file may have): the frames
            # from here are a run of their own, sampled afresh rather than skipped as past.
            self.sampler.restart(timestamp)
        self._previous = absolute
        check_duration(timestamp, self.settings.max_video_seconds)
        if not self.sampler.wants(timestamp):
            return
        # Shrink in swscale straight from the decoder: no full-size RGB copy is kept.
        target = hash_size(frame.width, frame.height)
        image = frame.to_image(width=target[0], height=target[1])
        turns = quarter_turns(frame.rotation)
        self.first_turns = turns if self.first_turns is None else self.first_turns
        self.sampler.keep(timestamp, turned(image, turns))
