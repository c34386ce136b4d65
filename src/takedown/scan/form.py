"""POST /v1/scan's multipart body, parsed as it streams in.

The file part goes straight into memory (the scan needs its bytes anyway), with the size limit
enforced as bytes arrive; there is no spooled temporary file and no FastAPI form machinery,
which together cost about 1 ms a scan (bench/RESULTS.md, "POST /v1/scan, fourth session").
The parser is python-multipart's, the one Starlette uses.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from fastapi.exceptions import RequestValidationError
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from takedown.errors import InvalidInput
from takedown.media.upload import body_limit, too_large

FILE_FIELD = "file"
MAX_TEXT_FIELD_BYTES = 64 * 1024  # content_id, account_id, content_url: far below this
MAX_PARTS = 20


@dataclass
class ScanUpload:
    """The form as sent: text fields by name, and the file part's bytes and client filename."""

    fields: dict[str, str] = field(default_factory=dict)
    data: bytes | None = None
    filename: str | None = None


class _Collector:
    """python-multipart callbacks: keep the file part and the text parts, each within its cap."""

    def __init__(self, max_file_bytes: int) -> None:
        self.upload = ScanUpload()
        self._max_file_bytes = max_file_bytes
        self._parts = 0
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._name = ""
        self._is_file = False
        self._files_seen = 0
        self._buffer = io.BytesIO()  # its getvalue() hands over the buffer without a copy

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value_data,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise InvalidInput(f"the form has more than {MAX_PARTS} parts")
        self._disposition = b""
        self._buffer = io.BytesIO()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = self._header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        if b"name" not in options:
            raise InvalidInput("every form part needs a Content-Disposition name")
        self._name = options[b"name"].decode("utf-8", errors="replace")
        self._is_file = self._name == FILE_FIELD
        if self._is_file and self._files_seen:
            # One scan is one upload: scanning the first of two silently would answer for a
            # file the platform may not be about to publish.
            raise RequestValidationError(
                [
                    {
                        "type": "too_many_files",
                        "loc": ("body", FILE_FIELD),
                        "msg": f"send one {FILE_FIELD!r} part per scan; this form has more",
                        "input": None,
                    }
                ]
            )
        self._files_seen += self._is_file
        if self._is_file and b"filename" in options:
            self.upload.filename = options[b"filename"].decode("utf-8", errors="replace")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        size = self._buffer.tell() + end - start
        if self._is_file:
            if size > self._max_file_bytes:
                raise too_large(self._max_file_bytes)
        elif size > MAX_TEXT_FIELD_BYTES:
            raise InvalidInput(f"form field {self._name!r} is over {MAX_TEXT_FIELD_BYTES} bytes")
        self._buffer.write(memoryview(data)[start:end])

    def _part_end(self) -> None:
        if self._is_file:
            self.upload.data = self._buffer.getvalue()
        else:
            text = self._buffer.getvalue().decode("utf-8", errors="replace")
            self.upload.fields.setdefault(self._name, text)
        self._buffer = io.BytesIO()


async def read_scan_upload(request: Request, *, max_file_bytes: int) -> ScanUpload:
    """The multipart form of `request`, read as it arrives; 413 as soon as the file passes
    `max_file_bytes` (or the body that plus the form's overhead, counted before parsing, so a
    declared Content-Length over it is refused before a byte is read); 422 if malformed. A body
    that is not multipart/form-data is not read: it has no fields."""
    limit = body_limit(request, max_bytes=max_file_bytes)
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        return ScanUpload()  # no file, no fields: 422 naming them, as for an empty form
    collector = _Collector(max_file_bytes)
    received = 0
    try:
        parser = MultipartParser(boundary, collector.callbacks())  # type: ignore[arg-type]
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise too_large(max_file_bytes)
            parser.write(chunk)
        parser.finalize()
    except FormParserError as exc:
        raise InvalidInput(f"the body is not a valid multipart form: {exc}") from exc
    except ClientDisconnect as exc:  # nobody to answer; not a server error either
        raise InvalidInput("the client closed the connection during the upload") from exc
    return collector.upload
