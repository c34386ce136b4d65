"""Shared steps of the video match tests: benign stand-in videos, and a scan through
POST /v1/scan."""

from __future__ import annotations

from PIL import Image

from tests.media import stand_in

FPS = 10


def stand_in_frames(names: tuple[str, ...]) -> list[Image.Image]:
    """Benign stand-ins, two seconds each at `FPS`, with a slow turn so frames differ."""
    frames = []
    for name in names:
        base = stand_in(name).resize((320, 240))
        frames += [base.rotate(i * 0.3, resample=Image.BILINEAR) for i in range(2 * FPS)]
    return frames


def scan_video(client, headers, data: bytes, content_id: str) -> dict:  # type: ignore[no-untyped-def]
    answer = client.post(
        "/v1/scan",
        files={"file": ("v.mp4", data, "video/mp4")},
        data={"content_id": content_id},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def bank_video(client, headers, data: bytes, name: str = "videos", action: str = "block") -> None:  # type: ignore[no-untyped-def]
    """A csam bank `name` holding the video's vPDQ (hashed through POST /v1/hash); `headers`
    carry a key with the scopes `scan` and `banks`."""
    hashed = client.post("/v1/hash", files={"file": ("v.mp4", data, "video/mp4")}, headers=headers)
    assert hashed.status_code == 200, hashed.text
    vpdq = next(s["value"] for s in hashed.json()["signals"] if s["type"] == "vpdq")
    created = client.post(
        "/v1/banks", json={"name": name, "category": "csam", "action": action}, headers=headers
    )
    assert created.status_code == 201, created.text
    added = client.post(
        f"/v1/banks/{name}/entries",
        json={"entries": [{"signal_type": "vpdq", "value": vpdq}]},
        headers=headers,
    )
    assert added.status_code == 200, added.text
