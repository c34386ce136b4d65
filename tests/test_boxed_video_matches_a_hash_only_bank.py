"""Rule: a bank holding only a video's vPDQ at 1 frame/s, as python-threatexchange makes it and
exchanges ship it, blocks a letterboxed copy through POST /v1/scan: the upload's trimmed frames
(vpdq_norm) are compared with the banked vPDQ under vPDQ's own rule, and the match says so
(signal_type "vpdq", variant "trimmed"); plain vPDQ alone misses the copy, and an unrelated video
is still allowed."""

from __future__ import annotations

from PIL import Image

from tests.media import video
from tests.video_support import FPS, scan_video, stand_in_frames


def _letterboxed(frame: Image.Image) -> Image.Image:
    canvas = Image.new("RGB", (frame.width, frame.height + 120), (0, 0, 0))
    canvas.paste(frame, (0, 60))
    return canvas


def test_hash_only_video_bank_blocks_a_letterboxed_copy(client, auth_header) -> None:
    scan, banks = auth_header("scan"), auth_header("banks")
    frames = stand_in_frames(("chelsea", "rocket", "coffee"))
    hashed = client.post(
        "/v1/hash", files={"file": ("original.mp4", video(frames, fps=FPS))}, headers=scan
    )
    assert hashed.status_code == 200, hashed.text
    vpdq = next(s["value"] for s in hashed.json()["signals"] if s["type"] == "vpdq")
    created = client.post(
        "/v1/banks",
        json={"name": "exchange", "category": "csam", "action": "block"},
        headers=banks,
    )
    assert created.status_code == 201, created.text
    added = client.post(
        "/v1/banks/exchange/entries",
        json={"entries": [{"signal_type": "vpdq", "value": vpdq}]},
        headers=banks,
    )
    assert added.status_code == 200, added.text

    boxed = scan_video(client, scan, video([_letterboxed(f) for f in frames], fps=FPS), "boxed")
    assert boxed["verdict"] == "block", boxed["matches"]
    assert [(m["bank"], m["signal_type"], m["variant"]) for m in boxed["matches"]] == [
        ("exchange", "vpdq", "trimmed")
    ]
    assert boxed["matches"][0]["query_match_percent"] >= 80

    other = video(stand_in_frames(("astronaut", "camera")), fps=FPS)
    unrelated = scan_video(client, scan, other, "other")
    assert unrelated["verdict"] == "allow" and unrelated["matches"] == []


def test_plain_vpdq_alone_misses_the_letterboxed_copy(client, auth_header) -> None:
    """The same copy matched by its whole frames only, as naive vPDQ would: the rule above is
    what finds it."""
    from takedown.signals.pdq import pdq_distance
    from takedown.signals.vpdq import parse_vpdq

    scan = auth_header("scan")
    frames = stand_in_frames(("chelsea", "rocket", "coffee"))

    def frame_hashes(data: bytes, signal_type: str) -> list[str]:
        answer = client.post("/v1/hash", files={"file": ("v.mp4", data)}, headers=scan).json()
        value = next(s["value"] for s in answer["signals"] if s["type"] == signal_type)
        return [frame.hash for frame in parse_vpdq(value) if frame.quality >= 50]

    banked = frame_hashes(video(frames, fps=FPS), "vpdq")
    boxed = video([_letterboxed(f) for f in frames], fps=FPS)
    matched = [min(pdq_distance(h, b) for b in banked) <= 31 for h in frame_hashes(boxed, "vpdq")]
    assert sum(matched) / len(matched) < 0.8  # under vPDQ's 80 % of query frames
    trimmed = frame_hashes(boxed, "vpdq_norm")
    assert sum(min(pdq_distance(h, b) for b in banked) <= 31 for h in trimmed) / len(trimmed) >= 0.8
