"""POST /v1/scan reads its multipart body itself: the key is checked before the upload is read,
an oversized upload is 413 as soon as it passes the limit, missing or bad fields are 422 with
the field named, and /docs still documents the form's fields."""

from __future__ import annotations

import asyncio

import httpx
from fastapi.testclient import TestClient

from takedown.api.app import create_app
from tests.media import generated_scene, jpeg

BOUNDARY = "takedownboundary"


def _problem(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code
    return body


def _scan(client, headers, data: bytes, **form: str):  # type: ignore[no-untyped-def]
    files = {"file": ("a.jpg", data, "image/jpeg")}
    return client.post("/v1/scan", files=files, data=form, headers=headers)


def test_missing_or_invalid_fields_are_422_naming_the_field(client, auth_header) -> None:
    headers = auth_header("scan")
    image = jpeg(generated_scene(1, (200, 150)))
    body = _problem(_scan(client, headers, image), 422, "invalid_input")
    assert [(e["field"], e["type"]) for e in body["errors"]] == [("content_id", "missing")]
    no_file = client.post(
        "/v1/scan",
        files={"content_id": (None, "c")},  # multipart, without a file part
        headers=headers,
    )
    body = _problem(no_file, 422, "invalid_input")
    assert [e["field"] for e in body["errors"]] == ["file"]
    body = _problem(_scan(client, headers, image, content_id="x" * 256), 422, "invalid_input")
    assert [e["field"] for e in body["errors"]] == ["content_id"]
    body = _problem(
        _scan(client, headers, image, content_id="c", account_id="a" * 256), 422, "invalid_input"
    )
    assert [e["field"] for e in body["errors"]] == ["account_id"]
    _problem(_scan(client, headers, b"", content_id="c"), 422, "empty_file")
    not_a_form = client.post("/v1/scan", json={"content_id": "c"}, headers=headers)
    body = _problem(not_a_form, 422, "invalid_input")
    assert {e["field"] for e in body["errors"]} == {"file", "content_id"}
    broken = client.post(
        "/v1/scan",
        content=b"--other\r\nnot a part",
        headers={**headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert broken.status_code == 422, broken.text
    answer = _scan(client, headers, image, content_id="c", account_id="", content_url="")
    assert answer.status_code == 200, answer.text
    assert answer.json()["content_id"] == "c"


def test_oversized_upload_is_413_and_no_key_means_401_first(auth_header, settings) -> None:
    small = settings.model_copy(update={"max_image_bytes": 50_000, "max_video_bytes": 60_000})
    big = jpeg(generated_scene(1, (1600, 1200)), quality=95)
    assert len(big) > 60_000 + 64 * 1024
    with TestClient(create_app(small)) as limited:
        headers = auth_header("scan")
        body = _problem(_scan(limited, headers, big, content_id="c"), 413, "file_too_large")
        assert body["limit_bytes"] == 60_000
        just_over = b"\xff" * 60_001  # under the body's allowance, over the file limit
        _problem(_scan(limited, headers, just_over, content_id="c"), 413, "file_too_large")
        _problem(_scan(limited, {}, big, content_id="c"), 401, "missing_api_key")
        wrong = {"Authorization": "Bearer tdk_wrong"}
        _problem(_scan(limited, wrong, big, content_id="c"), 401, "invalid_api_key")
        _problem(_scan(limited, auth_header("banks"), big, content_id="c"), 403, "missing_scope")


def test_chunked_upload_is_cut_off_at_the_limit(auth_header, settings) -> None:
    """Without a Content-Length the body is counted as it streams in, and reading stops at the
    limit: the rest is never pulled from the client."""
    small = settings.model_copy(update={"max_image_bytes": 50_000, "max_video_bytes": 60_000})
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="content_id"\r\n\r\nc\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    sent = 0

    async def body():  # type: ignore[no-untyped-def]
        nonlocal sent
        yield head
        for _ in range(200):  # 1.6 MB
            sent += 1
            yield b"\xff" * 8192
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(small))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.post(
                "/v1/scan",
                content=body(),
                headers={
                    **auth_header("scan"),
                    "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
                },
            )

    _problem(asyncio.run(post()), 413, "file_too_large")
    assert sent < 10  # cut off after about 60 kB of file, not after 1.6 MB


def test_docs_describe_the_scan_form(client) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/v1/scan"]["post"]
    schema = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert operation["requestBody"]["required"] is True
    assert set(schema["properties"]) == {
        "file",
        "content_id",
        "account_id",
        "content_url",
        "published",
    }
    assert set(schema["required"]) == {"file", "content_id"}
    assert schema["properties"]["file"]["format"] == "binary"
    assert schema["properties"]["content_id"]["maxLength"] == 255
    assert {"401", "403", "413", "422"} <= set(operation["responses"])
