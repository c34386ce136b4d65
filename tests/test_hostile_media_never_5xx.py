"""Rule: any byte string sent to POST /v1/hash gets a 200 or a problem+json 4xx with a
machine-readable code (413, 415 or 422), never a 5xx: arbitrary bytes, and valid JPEG, PNG,
GIF, WebP and MP4 files with bytes flipped, inserted, deleted or cut off."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.media import encode, generated_scene, jpeg, png, video

MEDIA_CODES = {
    413: {
        "file_too_large",
        "too_many_pixels",
        "video_too_long",
        "too_many_frames",
        "too_many_video_streams",
    },
    415: {"unsupported_format", "no_video_stream"},
    422: {"corrupt_media", "truncated_media", "decode_timeout", "empty_media"},
}
FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@cache
def _valid_files() -> dict[str, bytes]:
    small = [generated_scene(seed, (96, 64)) for seed in range(4)]
    return {
        "jpeg": jpeg(small[0]),
        "png": png(small[1]),
        "gif": encode(small[0], "GIF", save_all=True, append_images=small[1:], duration=300),
        "webp": encode(small[0], "WEBP", save_all=True, append_images=small[1:], duration=300),
        "mp4": video(small * 3, fps=4),
    }


def _assert_clean_answer(client, headers, data: bytes) -> None:
    response = client.post("/v1/hash", files={"file": ("upload", data)}, headers=headers)
    assert response.status_code < 500, response.text
    if response.status_code == 200:
        assert response.json()["media_type"] in ("image", "video")
        return
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] in MEDIA_CODES[response.status_code], body


@pytest.fixture
def scan_headers(auth_header) -> dict[str, str]:
    return auth_header("scan")


@FUZZ
@given(data=st.binary(max_size=4096))
def test_arbitrary_bytes(client, scan_headers, data: bytes) -> None:
    _assert_clean_answer(client, scan_headers, data)


@st.composite
def mutated_files(draw: st.DrawFn) -> bytes:
    data = bytearray(_valid_files()[draw(st.sampled_from(sorted(_valid_files())))])
    for _ in range(draw(st.integers(1, 8))):
        position = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if action == "flip":
            data[position] = draw(st.integers(0, 255))
        elif action == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=16))
        elif action == "delete":
            del data[position : position + draw(st.integers(1, 64))]
        elif position > 0:
            del data[position:]
        if not data:
            break
    return bytes(data)


@FUZZ
@given(data=mutated_files())
def test_mutated_valid_files(client, scan_headers, data: bytes) -> None:
    _assert_clean_answer(client, scan_headers, data)


def test_every_valid_file_hashes(client, scan_headers) -> None:
    for name, data in _valid_files().items():
        response = client.post("/v1/hash", files={"file": (name, data)}, headers=scan_headers)
        assert response.status_code == 200, (name, response.text)
