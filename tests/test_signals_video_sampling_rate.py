"""Rule: a video's vPDQ has one frame hash per sampling interval (default 1 frame/s,
configurable), and its video_md5 is the file's MD5."""

from __future__ import annotations

import hashlib
import json

from fastapi.testclient import TestClient

from takedown.api.app import create_app
from tests.media import slideshow, stand_in


def _vpdq_timestamps(client, headers, data: bytes) -> tuple[list[float], dict]:
    response = client.post("/v1/hash", files={"file": ("v.mp4", data)}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["media_type"] == "video"
    by_type = {s["type"]: s for s in body["signals"]}
    frames = json.loads(by_type["vpdq"]["value"])
    return [float(item.split(",")[2]) for item in frames], by_type


def test_frame_count_follows_sampling_rate(client, auth_header, settings) -> None:
    headers = auth_header("scan")
    video = slideshow([stand_in("coffee"), stand_in("rocket")], seconds_each=2.0)  # 4 s, 10 fps
    timestamps, by_type = _vpdq_timestamps(client, headers, video)
    assert timestamps == [0.0, 1.0, 2.0, 3.0]
    assert by_type["video_md5"]["value"] == hashlib.md5(video).hexdigest()

    denser = settings.model_copy(update={"video_frames_per_second": 2.0})
    with TestClient(create_app(denser)) as dense_client:
        timestamps, _ = _vpdq_timestamps(dense_client, headers, video)
    assert timestamps == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5]


def test_frames_of_different_scenes_differ(client, auth_header) -> None:
    video = slideshow([stand_in("coffee"), stand_in("rocket")], seconds_each=2.0)
    _, by_type = _vpdq_timestamps(client, auth_header("scan"), video)
    hashes = [item.split(",")[0] for item in json.loads(by_type["vpdq"]["value"])]
    first, last = int(hashes[0], 16), int(hashes[-1], 16)
    assert (first ^ last).bit_count() > 60  # coffee vs rocket
