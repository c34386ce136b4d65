"""Reading a multipart upload without letting an oversized body into memory or onto disk."""

from __future__ import annotations

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.types import Message

from takedown.errors import InvalidInput, MediaTooLarge

# Room for multipart boundaries and the small text fields sent beside the file.
FORM_OVERHEAD_BYTES = 64 * 1024


def too_large(limit: int) -> MediaTooLarge:
    return MediaTooLarge(
        f"the upload is over the {limit} byte limit", code="file_too_large", limit_bytes=limit
    )


def body_limit(request: Request, *, max_bytes: int) -> int:
    """The most body bytes a form carrying a file of `max_bytes` may have; 413 at once when the
    request declares a Content-Length over it (nothing is read)."""
    limit = max_bytes + FORM_OVERHEAD_BYTES
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(max_bytes)
    return limit


async def read_capped_form(request: Request, *, max_bytes: int) -> FormData:
    """The request's multipart form; 413 as soon as the body passes `max_bytes` (plus overhead).

    A declared Content-Length over the limit is refused before any byte is read; a body without
    one (chunked) is counted as it streams in and cut off at the limit.
    """
    limit = body_limit(request, max_bytes=max_bytes)
    received = 0

    async def capped_receive() -> Message:
        nonlocal received
        message = await request.receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise too_large(max_bytes)
        return message

    capped = Request(request.scope, capped_receive)
    try:
        return await capped.form(max_files=1, max_fields=20)
    except MediaTooLarge:
        raise
    except Exception as exc:  # malformed multipart from the client
        raise InvalidInput(f"the body is not a valid multipart form: {exc}") from exc


async def read_upload(form: FormData, field: str, *, max_bytes: int) -> tuple[bytes, str | None]:
    """The bytes and client filename of one file field; 422 if missing, 413 if too large."""
    upload = form.get(field)
    if not isinstance(upload, UploadFile):
        raise InvalidInput(
            f"send the media as a multipart file field '{field}'", code="missing_file"
        )
    data = await upload.read(max_bytes + 1)
    await upload.close()
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    return data, upload.filename


# The media errors of every upload route, for its OpenAPI `responses` (docs/signals.md).
MEDIA_ERRORS: dict[int | str, dict[str, str]] = {
    413: {
        "description": "file_too_large, too_many_pixels, video_too_long, too_many_frames, "
        "too_many_video_streams"
    },
    415: {"description": "unsupported_format, no_video_stream"},
    422: {"description": "corrupt_media, truncated_media, decode_timeout, empty_media"},
}
