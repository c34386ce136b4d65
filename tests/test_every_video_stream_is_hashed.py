"""Rule: every video stream of an upload is hashed and matched, so banked material carried in a
second stream (which a player can switch to) is found; a file with more video streams than
Takedown decodes is refused (413 too_many_video_streams), never passed on half-scanned."""

from __future__ import annotations

import io
from fractions import Fraction

import av
from PIL import Image

from takedown.media.video import MAX_VIDEO_STREAMS
from tests.media import video
from tests.video_support import FPS, bank_video, scan_video, stand_in_frames


def several_streams(*streams: list[Image.Image]) -> bytes:
    """One MP4 holding each frame list as its own H.264 video stream."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        encoders = []
        for frames in streams:
            encoder = container.add_stream("libx264", rate=Fraction(FPS, 1))
            encoder.width, encoder.height = frames[0].size
            encoder.pix_fmt = "yuv420p"
            encoders.append(encoder)
        for position in range(max(len(frames) for frames in streams)):
            for encoder, frames in zip(encoders, streams, strict=True):
                if position < len(frames):
                    picture = av.VideoFrame.from_image(frames[position])
                    for packet in encoder.encode(picture):
                        container.mux(packet)
        for encoder in encoders:
            for packet in encoder.encode():
                container.mux(packet)
    return buffer.getvalue()


def test_banked_material_in_a_second_video_stream_is_found(client, auth_header) -> None:
    banked = stand_in_frames(("chelsea",))
    bank_video(client, auth_header("scan", "banks"), video(banked))

    cover = stand_in_frames(("coffee",))
    answer = scan_video(client, auth_header("scan"), several_streams(cover, banked), "two-streams")
    assert answer["verdict"] == "block", answer
    assert [m["signal_type"] for m in answer["matches"]] == ["vpdq"]
    streams = [s.get("stream") for s in answer["signals"] if s["type"] == "vpdq"]
    assert streams == [None, 2]

    alone = scan_video(client, auth_header("scan"), video(cover), "cover-alone")
    assert alone["verdict"] == "allow"


def test_more_video_streams_than_decoded_is_413(client, auth_header) -> None:
    tiny = [Image.new("RGB", (32, 32), (40 * n, 90, 160)) for n in range(3)]
    data = several_streams(*[tiny] * (MAX_VIDEO_STREAMS + 1))
    answer = client.post(
        "/v1/scan",
        files={"file": ("v.mp4", data, "video/mp4")},
        data={"content_id": "many-streams"},
        headers=auth_header("scan"),
    )
    assert answer.status_code == 413, answer.text
    assert answer.json()["code"] == "too_many_video_streams"
