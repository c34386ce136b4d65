"""Rule: animated GIF and WebP (and APNG) are videos: vPDQ over frames sampled in time,
plus video_md5 of the file; a single-frame GIF stays an image."""

from __future__ import annotations

import hashlib
import json

from tests.media import encode, generated_scene


def _post(client, headers, data: bytes) -> dict:
    response = client.post("/v1/hash", files={"file": ("anim", data)}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_animated_gif_webp_png_are_videos(client, auth_header) -> None:
    headers = auth_header("scan")
    frames = [generated_scene(seed, (240, 180)) for seed in range(12)]
    for fmt in ("GIF", "WEBP", "PNG"):
        # 12 frames of 250 ms = 3 s: sampled at 1 frame/s -> frames at 0, 1 and 2 s.
        data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=250, loop=0)
        body = _post(client, headers, data)
        assert body["media_type"] == "video", fmt
        by_type = {s["type"]: s for s in body["signals"]}
        assert by_type["video_md5"]["value"] == hashlib.md5(data).hexdigest()
        vpdq = json.loads(by_type["vpdq"]["value"])
        assert [item.split(",")[2] for item in vpdq] == ["0.0", "1.0", "2.0"], fmt
        assert by_type["vpdq"]["frames"] == 3
        assert "pdq" not in by_type


def test_single_frame_gif_is_an_image(client, auth_header) -> None:
    body = _post(client, auth_header("scan"), encode(generated_scene(1), "GIF"))
    assert body["media_type"] == "image"
    assert body["signals"][0]["type"] == "pdq"
