"""Rule: the frames kept for hashing one video or animation stay within
`max_video_frame_memory_bytes`; past it they are thinned (every other one dropped, the rate
halved), so a small file holding hours of one-frame-a-second pictures neither grows memory
without bound nor loses the end of the video."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from PIL import Image

from takedown.api.app import create_app
from tests.media import encode, video

SIDE = 48  # tiny frames: hashed at full size, 48 x 48 x 3 bytes each
SECONDS = 120
KEPT_AT_MOST = 20


def _pictures() -> list[Image.Image]:
    return [
        Image.new("RGB", (SIDE, SIDE), (second % 256, (7 * second) % 256, 90))
        for second in range(SECONDS)
    ]


def _frame_times(limited: TestClient, headers: dict[str, str], data: bytes) -> list[float]:
    answer = limited.post("/v1/hash", files={"file": ("upload", data)}, headers=headers)
    assert answer.status_code == 200, answer.text
    vpdq = next(s for s in answer.json()["signals"] if s["type"] == "vpdq")
    return [float(item.split(",")[2]) for item in json.loads(vpdq["value"])]


def _budgeted(settings):  # type: ignore[no-untyped-def]
    budget = KEPT_AT_MOST * SIDE * SIDE * 3
    return TestClient(
        create_app(settings.model_copy(update={"max_video_frame_memory_bytes": budget}))
    )


def test_a_long_one_frame_a_second_video_is_thinned_not_cut(auth_header, settings) -> None:
    data = video(_pictures(), fps=1)  # two minutes, every frame a sampling point
    with _budgeted(settings) as limited:
        times = _frame_times(limited, auth_header("scan"), data)
    assert 1 < len(times) <= KEPT_AT_MOST
    assert times[-1] >= SECONDS - 16  # the end of the video is still hashed
    assert times == sorted(times)


def test_a_long_animation_is_thinned_not_cut(auth_header, settings) -> None:
    pictures = _pictures()
    gif = encode(pictures[0], "GIF", save_all=True, append_images=pictures[1:], duration=1000)
    with _budgeted(settings) as limited:
        times = _frame_times(limited, auth_header("scan"), gif)
    assert 1 < len(times) <= KEPT_AT_MOST
    assert times[-1] >= SECONDS - 16
