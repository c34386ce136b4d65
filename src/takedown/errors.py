"""The one exception hierarchy. Each error maps to an HTTP problem (RFC 9457) in api/problems.py."""

from __future__ import annotations

from typing import Any


class TakedownError(Exception):
    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(self, detail: str = "", *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if code:
            self.code = code
        self.extra = extra


class NotFound(TakedownError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(TakedownError):
    status, code, title = 409, "conflict", "Conflict"


class Unauthorized(TakedownError):
    status, code, title = 401, "unauthorized", "Authentication required"


class Forbidden(TakedownError):
    status, code, title = 403, "forbidden", "Not allowed"


class InvalidInput(TakedownError):
    status, code, title = 422, "invalid_input", "Invalid input"


class RateLimited(TakedownError):
    status, code, title = 429, "rate_limited", "Too many requests"


class MediaError(TakedownError):
    """The uploaded media cannot be accepted; subclasses say why."""


class MediaTooLarge(MediaError):
    status, code, title = 413, "media_too_large", "Media too large"


class UnsupportedMedia(MediaError):
    status, code, title = 415, "unsupported_media", "Unsupported media type"


class CorruptMedia(MediaError):
    status, code, title = 422, "corrupt_media", "Media could not be decoded"


class UpstreamError(TakedownError):
    status, code, title = 502, "upstream_error", "An upstream service failed"
