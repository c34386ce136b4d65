"""A video every reviewer's browser plays, for the player a reveal gives: the original when it
is H.264, VP8, VP9 or AV1 in MP4 or WebM, in 8-bit 4:2:0 (Chromium and Firefox decode no H.264
in 10 bits or 4:4:4, and Safari no VP9 or AV1 in 10 bits); else a copy made once with PyAV
(libx264 in its wheels). Most phone videos are HEVC in QuickTime, which Chromium and Firefox do
not play; AVI, 3GP, Matroska and animated GIF or WebP do not play either.

The copy is H.264 in MP4 with the index at the front (it starts playing before it has all
arrived), no sound (the player is muted), at most `MAX_SIDE` pixels on its longer side, turned
the way the file says to show it (a player honours that rotation in an original, and the copy
has none), and made within the decode time limit.
"""

from __future__ import annotations

import os
import threading
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from takedown.errors import CorruptMedia
from takedown.media.formats import DEMUXERS, MediaFormat
from takedown.media.limits import Deadline
from takedown.settings import Settings

BROWSER_CODECS = frozenset({"h264", "vp8", "vp9", "av1"})
BROWSER_PIXEL_FORMATS = frozenset({"yuv420p", "yuvj420p"})
BROWSER_CONTAINERS = {MediaFormat.MP4: "video/mp4", MediaFormat.WEBM: "video/webm"}
COPY_TYPE = "video/mp4"
MAX_SIDE = 1280
DEFAULT_RATE = Fraction(25, 1)


def plays_as_is(path: Path, fmt: MediaFormat) -> str | None:
    """The MIME type a browser plays the file as, as it is, or None if it needs a copy."""
    mime = BROWSER_CONTAINERS.get(fmt)
    if mime is None:
        return None
    try:
        with av.open(str(path), format=DEMUXERS.get(fmt)) as container:
            streams = container.streams.video
            if not streams:
                return None
            context = streams[0].codec_context
            plays = context.name in BROWSER_CODECS and context.pix_fmt in BROWSER_PIXEL_FORMATS
            return mime if plays else None
    except av.FFmpegError:
        return None


def write_browser_copy(source: Path, fmt: MediaFormat, target: Path, settings: Settings) -> None:
    """Write the playable copy of `source` to `target`, whole or not at all (CorruptMedia, or
    the decode limit's error)."""
    deadline = Deadline(settings.video_decode_timeout_seconds)
    partial = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        with (
            av.open(str(source), format=DEMUXERS.get(fmt)) as original,
            av.open(
                str(partial), mode="w", format="mp4", options={"movflags": "+faststart"}
            ) as copy,
        ):
            if not original.streams.video:
                raise CorruptMedia("the file has no video stream", code="no_video_stream")
            _copy_frames(original, copy, deadline)
        partial.replace(target)
    except av.FFmpegError as exc:
        raise CorruptMedia("the video could not be re-encoded", code="corrupt_media") from exc
    finally:
        partial.unlink(missing_ok=True)


def _copy_frames(
    original: av.container.InputContainer, copy: av.container.OutputContainer, deadline: Deadline
) -> None:
    source = original.streams.video[0]
    source.thread_type = "AUTO"
    stream = None
    for frame in original.decode(source):
        deadline.check()
        picture = _upright(frame)
        if stream is None:
            stream = copy.add_stream("libx264", rate=source.average_rate or DEFAULT_RATE)
            stream.width, stream.height = _fitted(picture.width, picture.height)
            stream.pix_fmt = "yuv420p"
            stream.options = {"preset": "veryfast", "crf": "23"}
            stream.codec_context.time_base = source.time_base or Fraction(1, 1000)
        out = picture.reformat(width=stream.width, height=stream.height, format="yuv420p")
        out.pts, out.time_base = frame.pts, frame.time_base
        for packet in stream.encode(out):
            copy.mux(packet)
    if stream is None:
        raise CorruptMedia("no decodable video frames", code="corrupt_media")
    for packet in stream.encode():
        copy.mux(packet)


def _upright(frame: av.VideoFrame) -> av.VideoFrame:
    """The frame turned as its display matrix says (counterclockwise degrees)."""
    turns = round((frame.rotation or 0) / 90) % 4
    if not turns:
        return frame
    pixels = np.ascontiguousarray(np.rot90(frame.to_ndarray(format="rgb24"), k=turns), np.uint8)
    return av.VideoFrame.from_ndarray(pixels, format="rgb24")


def _fitted(width: int, height: int) -> tuple[int, int]:
    """Within MAX_SIDE, even (H.264 in 4:2:0 needs even sides)."""
    scale = min(1.0, MAX_SIDE / max(width, height))
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)
