"""Rule: oversized, bomb, unsupported, truncated, too-long and slow media each get their own
4xx problem with a machine-readable code, decided by the configured limits."""

from __future__ import annotations

import asyncio
import struct
import zlib

import httpx
from fastapi.testclient import TestClient

from takedown.api.app import create_app
from tests.media import encode, generated_scene, jpeg, slideshow, stand_in


def bomb_png(width: int, height: int) -> bytes:
    """A tiny PNG declaring width x height pixels of grey (a decompression bomb)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    row = b"\x00" + b"\x00" * width
    compressor = zlib.compressobj(9)
    pixels = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _post(client, headers, data: bytes, name: str = "upload"):
    return client.post("/v1/hash", files={"file": (name, data)}, headers=headers)


def _problem(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code


def test_decompression_bomb_is_413(client, auth_header) -> None:
    data = bomb_png(20_000, 20_000)  # 400 megapixels in a few hundred kilobytes
    assert len(data) < 1_000_000
    _problem(_post(client, auth_header("scan"), data), 413, "too_many_pixels")


def test_size_limits_are_413(client, auth_header, settings) -> None:
    headers = auth_header("scan")
    small = settings.model_copy(update={"max_image_bytes": 50_000, "max_video_bytes": 60_000})
    with TestClient(create_app(small)) as limited:
        big_jpeg = jpeg(generated_scene(1, (1600, 1200)), quality=95)
        assert len(big_jpeg) > 60_000 + 64 * 1024
        _problem(_post(limited, headers, big_jpeg), 413, "file_too_large")  # body cut off
        small_jpeg = jpeg(generated_scene(2, (200, 150)))
        between = small_jpeg + b"\0" * (55_000 - len(small_jpeg))  # bytes after EOI are ignored
        _problem(_post(limited, headers, between), 413, "file_too_large")  # image limit
        assert _post(limited, headers, jpeg(generated_scene(3, (200, 150)))).status_code == 200


def test_pdf_and_text_are_415(client, auth_header) -> None:
    headers = auth_header("scan")
    _problem(
        _post(client, headers, b"%PDF-1.7\n1 0 obj << >> endobj\n", "x.pdf"),
        415,
        "unsupported_format",
    )
    _problem(_post(client, headers, b"just some text", "photo.jpg"), 415, "unsupported_format")


def test_truncated_image_is_422(client, auth_header) -> None:
    data = jpeg(stand_in("chelsea"))
    _problem(_post(client, auth_header("scan"), data[: len(data) // 2]), 422, "truncated_media")


def test_empty_and_corrupt_are_422(client, auth_header) -> None:
    headers = auth_header("scan")
    _problem(_post(client, headers, b""), 422, "empty_media")
    broken = bytearray(slideshow([stand_in("coffee")], seconds_each=1.0))
    broken[20:4000] = b"\x00" * 3980
    _problem(_post(client, headers, bytes(broken)), 422, "corrupt_media")


def test_video_limits(client, auth_header, settings) -> None:
    headers = auth_header("scan")
    video = slideshow([stand_in("coffee"), stand_in("rocket")], seconds_each=2.0)  # 4 s
    short = settings.model_copy(update={"max_video_seconds": 2.0})
    with TestClient(create_app(short)) as limited:
        _problem(_post(limited, headers, video), 413, "video_too_long")
    tiny = settings.model_copy(update={"max_video_pixels_per_frame": 10_000})
    with TestClient(create_app(tiny)) as limited:
        _problem(_post(limited, headers, video), 413, "too_many_pixels")
    hurried = settings.model_copy(update={"video_decode_timeout_seconds": 0.0})
    with TestClient(create_app(hurried)) as limited:
        _problem(_post(limited, headers, video), 422, "decode_timeout")
    assert _post(client, headers, video).status_code == 200


def test_animation_frame_limit(client, auth_header, settings) -> None:
    frames = [generated_scene(seed, (64, 48)) for seed in range(6)]
    gif = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    few = settings.model_copy(update={"max_animation_frames": 3})
    with TestClient(create_app(few)) as limited:
        _problem(_post(limited, auth_header("scan"), gif), 413, "too_many_frames")


def test_chunked_upload_is_cut_off_at_the_limit(auth_header, settings) -> None:
    """Without a Content-Length the body is counted as it streams in, and reading stops at the
    limit: the rest of the body is never pulled from the client."""
    small = settings.model_copy(update={"max_image_bytes": 50_000, "max_video_bytes": 60_000})
    boundary = "takedownboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    chunks = 200  # 200 x 8 KiB = 1.6 MB, far over 60 kB + 64 KiB of form overhead
    sent = 0

    async def body():
        nonlocal sent
        yield head
        for _ in range(chunks):
            sent += 1
            yield b"\xff" * 8192
        yield f"\r\n--{boundary}--\r\n".encode()

    async def post() -> httpx.Response:
        # httpx's ASGI transport hands the body over chunk by chunk, as a socket would.
        transport = httpx.ASGITransport(app=create_app(small))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.post(
                "/v1/hash",
                content=body(),
                headers={
                    **auth_header("scan"),
                    "Content-Type": f"multipart/form-data; boundary={boundary}",
                },
            )

    response = asyncio.run(post())
    _problem(response, 413, "file_too_large")
    assert sent < 20  # cut off after about 124 KiB, not after 1.6 MB


def test_truncated_video_is_422_truncated_media(client, auth_header) -> None:
    """An MP4 cut off in transit is `truncated_media` (send it again), not `corrupt_media`."""
    data = slideshow([stand_in("coffee"), stand_in("rocket")], seconds_each=1.0)
    for cut in (len(data) // 2, len(data) - 100):
        _problem(_post(client, auth_header("scan"), data[:cut]), 422, "truncated_media")
    ftyp = data[: int.from_bytes(data[:4], "big")]
    whole_but_garbled = ftyp + (256).to_bytes(4, "big") + b"moov" + b"\x07" * 248
    garbled = _post(client, auth_header("scan"), whole_but_garbled)  # every box whole
    assert garbled.status_code in (415, 422) and garbled.json()["code"] != "truncated_media"
