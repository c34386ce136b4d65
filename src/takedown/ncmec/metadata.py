"""Optional facts about an upload from the platform, for the CyberTipline report.

`TAKEDOWN_PLATFORM_METADATA_URL` is a template with `{content_id}` and `{account_id}`; the platform
answers JSON (every field optional):

    {"account_id": "u42", "screen_name": "...", "display_name": "...", "profile_url": "...",
     "uploaded_at": "2026-01-01T12:00:00Z", "publicly_available": true,
     "ip_events": [{"ip_address": "192.0.2.7", "event": "Upload", "at": "...", "port": 443,
                    "possible_proxy": false}]}

The fetch obeys the media fetch's allow-list (TAKEDOWN_PLATFORM_MEDIA_ALLOWED_HOSTS), is capped
at 1 MB and the media timeout, and follows no redirects.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime
from urllib.parse import quote

import httpx
from pydantic import BaseModel, Field, ValidationError, field_validator

from takedown.errors import UpstreamError
from takedown.ncmec.schemas import CaptureEvent
from takedown.platform.fetch import check_url
from takedown.settings import Settings

MAX_METADATA_BYTES = 1024 * 1024


class PlatformIpEvent(BaseModel):
    ip_address: str
    event: CaptureEvent | None = None
    at: datetime | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    possible_proxy: bool | None = None

    @field_validator("ip_address")
    @classmethod
    def _valid_ip(cls, value: str) -> str:
        # The API documents: a valid IPv4, IPv6 or IPv4-mapped IPv6 address.
        return str(ipaddress.ip_address(value.strip()))


class PlatformMetadata(BaseModel):
    account_id: str | None = None
    screen_name: str | None = None
    display_name: str | None = None
    profile_url: str | None = None
    uploaded_at: datetime | None = None
    publicly_available: bool | None = None
    ip_events: list[PlatformIpEvent] = Field(default_factory=list)


def metadata_url(settings: Settings, *, content_id: str | None, account_id: str | None) -> str:
    url = settings.platform_metadata_url
    for name, value in (("{content_id}", content_id), ("{account_id}", account_id)):
        url = url.replace(name, quote(value or "", safe=""))
    return url


def fetch_metadata(
    settings: Settings, *, content_id: str | None, account_id: str | None
) -> PlatformMetadata | None:
    """The platform's metadata, None when not configured; UpstreamError when it fails."""
    if not settings.platform_metadata_url or not (content_id or account_id):
        return None
    url = metadata_url(settings, content_id=content_id, account_id=account_id)
    check_url(settings, url)
    try:
        with (
            httpx.Client(
                follow_redirects=False,
                timeout=settings.platform_media_timeout_seconds,
                trust_env=False,
            ) as client,
            client.stream("GET", url, headers={"Accept": "application/json"}) as response,
        ):
            if response.status_code == 404:
                return None
            if response.status_code != 200:
                raise UpstreamError(
                    f"platform metadata answered HTTP {response.status_code}",
                    code="metadata_failed",
                )
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_METADATA_BYTES:
                    raise UpstreamError("platform metadata is over 1 MB", code="metadata_failed")
    except httpx.HTTPError as exc:
        raise UpstreamError(f"platform metadata: {exc}", code="metadata_failed") from exc
    try:
        return PlatformMetadata.model_validate_json(body)
    except ValidationError as exc:
        raise UpstreamError(
            f"platform metadata is not in the documented shape: {exc}", code="metadata_failed"
        ) from exc
