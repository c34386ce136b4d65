"""Rule: a video banked through POST /v1/hash with purpose=bank (frames sampled densely) is
matched through POST /v1/scan by its letterboxed copy (vpdq_norm: frames trimmed of borders, where
plain vPDQ misses), its copy with a corner logo (vpdq_center), its copy with a large caption block
(vpdq_band_bottom) and its trimmed copy; an unrelated video is allowed."""

from __future__ import annotations

from PIL import Image, ImageDraw

from tests.media import stand_in, video
from tests.video_support import FPS, scan_video, stand_in_frames

VIDEO_TYPES = ("vpdq", "vpdq_norm", "vpdq_center", "vpdq_band_top", "vpdq_band_bottom")


def _letterboxed(frame: Image.Image) -> Image.Image:
    canvas = Image.new("RGB", (frame.width, frame.height + 120), (0, 0, 0))
    canvas.paste(frame, (0, 60))
    return canvas.resize((320, 240))


def _captioned(frame: Image.Image, width: float = 0.28, height: float = 0.16) -> Image.Image:
    """A channel logo with a caption over the top-left corner (28% x 16% of the frame)."""
    copy = frame.copy()
    draw = ImageDraw.Draw(copy)
    draw.rectangle(
        (4, 4, 4 + int(copy.width * width), 4 + int(copy.height * height)), fill=(240, 220, 0)
    )
    draw.text((10, 10), "@channel\nlink in bio", fill=(10, 10, 120))
    return copy


def test_boxed_captioned_and_trimmed_copies_match(client, auth_header) -> None:
    scan, banks = auth_header("scan"), auth_header("banks")
    frames = stand_in_frames(("chelsea", "rocket", "coffee"))
    hashed = client.post(
        "/v1/hash",
        files={"file": ("original.mp4", video(frames, fps=FPS))},
        data={"purpose": "bank"},
        headers=scan,
    )
    assert hashed.status_code == 200, hashed.text
    signals = {s["type"]: s for s in hashed.json()["signals"] if s["type"] in VIDEO_TYPES}
    assert set(signals) == set(VIDEO_TYPES)
    assert signals["vpdq_norm"]["frames"] >= 5 * 6  # dense: bank videos sampled beyond 1 frame/s
    client.post(
        "/v1/banks", json={"name": "videos", "category": "csam", "action": "block"}, headers=banks
    )
    entries = [{"signal_type": t, "value": s["value"]} for t, s in signals.items()]
    added = client.post("/v1/banks/videos/entries", json={"entries": entries}, headers=banks)
    assert added.status_code == 200, added.text

    boxed = scan_video(client, scan, video([_letterboxed(f) for f in frames], fps=FPS), "boxed")
    assert boxed["verdict"] == "block"
    by_type = {m["signal_type"]: m for m in boxed["matches"]}
    # Naive vPDQ misses the letterboxed copy: the banked vpdq matches only its trimmed frames.
    assert by_type.get("vpdq", {"variant": "trimmed"})["variant"] == "trimmed"
    assert by_type["vpdq_norm"]["query_match_percent"] >= 80

    captioned = scan_video(client, scan, video([_captioned(f) for f in frames], fps=FPS), "caption")
    assert captioned["verdict"] == "block"
    assert "vpdq_center" in {m["signal_type"] for m in captioned["matches"]}

    large = [_captioned(f, width=0.45, height=0.28) for f in frames]
    block = scan_video(client, scan, video(large, fps=FPS), "large-caption")
    assert block["verdict"] == "block"
    assert "vpdq_band_bottom" in {m["signal_type"] for m in block["matches"]}

    trimmed = scan_video(client, scan, video(frames[FPS // 2 + 2 :], fps=FPS), "trimmed")
    assert trimmed["verdict"] == "block"

    unrelated = [stand_in("hubble_deep_field").resize((320, 240)).rotate(i) for i in range(30)]
    assert scan_video(client, scan, video(unrelated, fps=FPS), "other")["verdict"] == "allow"
