"""Rule: frames whose timestamps run backwards (a crafted file puts harmless frames an hour and
two hours in, first, and the rest from 0 s) are sampled as a run of their own, not skipped as
already past, so what a player shows from 0 s is hashed and matched against the banks; no
timestamp is negative."""

from __future__ import annotations

import io
import json
from fractions import Fraction

import av
from PIL import Image

from tests.media import stand_in, video
from tests.video_support import FPS, bank_video, scan_video, stand_in_frames

MS = Fraction(1, 1000)


def first_frames_hours_late(first: Image.Image, rest: list[Image.Image]) -> bytes:
    """Matroska (MJPEG): `first` stamped 3600 s and 7200 s, then `rest` from 0 s onwards."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="matroska") as container:
        stream = container.add_stream("mjpeg", rate=Fraction(FPS, 1))
        stream.width, stream.height = first.size
        stream.pix_fmt = "yuvj420p"
        stream.time_base = MS
        stamps = [3_600_000, 7_200_000] + [n * 1000 // FPS for n in range(len(rest))]
        pictures = [first, first, *rest]
        for position, (stamp, picture) in enumerate(zip(stamps, pictures, strict=True)):
            frame = av.VideoFrame.from_image(picture)
            frame.pts, frame.time_base = position, Fraction(1, FPS)
            for packet in stream.encode(frame):
                # Decode order stays increasing; only the presentation times run backwards.
                packet.dts, packet.pts, packet.time_base = position - len(stamps), stamp, MS
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


def test_frames_stamped_before_the_first_frame_are_hashed(client, auth_header) -> None:
    banked = stand_in_frames(("chelsea", "coffee", "astronaut", "hubble_deep_field"))
    bank_video(client, auth_header("scan", "banks"), video(banked, fps=FPS))

    harmless = stand_in("rocket").resize(banked[0].size)
    crafted = first_frames_hours_late(harmless, banked)
    with av.open(io.BytesIO(crafted)) as container:  # the file is what it claims to be
        times = [frame.time for frame in container.decode(video=0)]
    assert times[:3] == [3600.0, 7200.0, 0.0]

    answer = scan_video(client, auth_header("scan"), crafted, "late-first-frames")
    assert answer["verdict"] == "block", answer
    vpdq = next(s for s in answer["signals"] if s["type"] == "vpdq")
    assert all(float(item.split(",")[2]) >= 0 for item in json.loads(vpdq["value"]))
