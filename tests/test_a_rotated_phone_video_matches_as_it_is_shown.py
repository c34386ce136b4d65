"""Rule: a video is hashed as a player shows it, its display matrix (a phone's rotation) applied,
so a phone video and a copy with the turn baked into its pixels match each other; a rotated
video is also matched as stored, so hashes made by a tool that ignores the rotation still match.
"""

from __future__ import annotations

from PIL import Image

from takedown.signals.vpdq import AS_STORED
from tests.media import video
from tests.video_support import bank_video, scan_video, stand_in_frames


def _landscape_frames() -> list[Image.Image]:
    return stand_in_frames(("chelsea", "coffee"))


def test_an_upright_copy_matches_a_banked_phone_video(client, auth_header) -> None:
    frames = _landscape_frames()
    phone = video(frames, rotation=90)  # stored landscape, shown turned a quarter anticlockwise
    bank_video(client, auth_header("scan", "banks"), phone)

    upright = video([frame.transpose(Image.Transpose.ROTATE_90) for frame in frames])
    answer = scan_video(client, auth_header("scan"), upright, "upright-copy")
    assert answer["verdict"] == "block", answer
    match = next(m for m in answer["matches"] if m["signal_type"] == "vpdq")
    assert match["variant"] is None  # the upload as shown, not a query-side variant

    other_way = video([frame.transpose(Image.Transpose.ROTATE_270) for frame in frames])
    assert scan_video(client, auth_header("scan"), other_way, "turned-wrong")["verdict"] == "allow"


def test_a_phone_video_matches_a_hash_made_without_its_rotation(client, auth_header) -> None:
    frames = _landscape_frames()
    bank_video(client, auth_header("scan", "banks"), video(frames))  # the pixels as stored

    answer = scan_video(client, auth_header("scan"), video(frames, rotation=-90), "phone")
    assert answer["verdict"] == "block", answer
    match = next(m for m in answer["matches"] if m["signal_type"] == "vpdq")
    assert match["variant"] == AS_STORED
