"""Fetch a reported item's media from the platform, safely.

The URL comes from a template we configure, but `content_id` comes from a reporter: the host
must be on the allow-list, private and loopback addresses are refused unless that host is
explicitly allowed, redirects are not followed, and size and time are capped.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from urllib.parse import quote, urlsplit

import httpx

from takedown.errors import MediaTooLarge, TakedownError, UpstreamError
from takedown.settings import Settings


class FetchRefused(TakedownError):
    status, code, title = 422, "fetch_refused", "Refused to fetch this URL"


def media_url(settings: Settings, content_id: str) -> str:
    return _platform_url(settings.platform_media_url, "PLATFORM_MEDIA_URL", content_id)


def _platform_url(template: str, setting: str, content_id: str) -> str:
    if not template:
        raise FetchRefused(f"TAKEDOWN_{setting} is not set", code="fetch_not_configured")
    # quote with safe="" so a content id cannot add path segments, a query, or another host.
    return template.replace("{content_id}", quote(content_id, safe=""))


def content_is_visible(settings: Settings, content_id: str) -> bool:
    """Whether the platform still shows `content_id` to the public, by its status endpoint
    (TAKEDOWN_PLATFORM_CONTENT_STATUS_URL): 200 yes, 404 or 410 no; anything else, or no answer,
    is an UpstreamError (not known either way). The body is never read."""
    url = _platform_url(
        settings.platform_content_status_url, "PLATFORM_CONTENT_STATUS_URL", content_id
    )
    check_url(settings, url)
    timeout = httpx.Timeout(settings.platform_media_timeout_seconds)
    try:
        with (
            httpx.Client(follow_redirects=False, timeout=timeout, trust_env=False) as client,
            client.stream("GET", url) as response,
        ):
            status = response.status_code
    except httpx.HTTPError as exc:
        raise UpstreamError(f"status of {content_id}: {exc}", code="status_check_failed") from exc
    if status in (404, 410):
        return False
    if status == 200:
        return True
    raise UpstreamError(
        f"platform answered {status} for the status of {content_id}", code="status_check_failed"
    )


def check_url(settings: Settings, url: str) -> None:
    """Refuse hosts not on the allow-list, and private addresses of hosts not explicitly listed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchRefused(f"scheme {parts.scheme!r} is not allowed")
    host = (parts.hostname or "").lower()
    allowed = {h.lower() for h in settings.platform_media_allowed_hosts}
    if host not in allowed:
        raise FetchRefused(f"host {host!r} is not in TAKEDOWN_PLATFORM_MEDIA_ALLOWED_HOSTS")
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise UpstreamError(f"cannot resolve {host}: {exc}", code="fetch_failed") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        # A private or loopback address passes only when that address itself is listed, so a
        # listed name that starts resolving to an internal service (DNS rebinding) is refused.
        if not address.is_global and str(address) not in allowed:
            raise FetchRefused(f"{host} resolves to a non-public address {address}")


def fetch_media(settings: Settings, content_id: str) -> bytes:
    """The media bytes for `content_id`, or an error saying why not."""
    url = media_url(settings, content_id)
    check_url(settings, url)
    limit = settings.platform_media_max_bytes
    deadline = time.monotonic() + settings.platform_media_timeout_seconds
    timeout = httpx.Timeout(settings.platform_media_timeout_seconds)
    try:
        with (
            httpx.Client(follow_redirects=False, timeout=timeout, trust_env=False) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise UpstreamError(
                    f"platform answered {response.status_code} for {content_id}",
                    code="fetch_failed",
                )
            declared = int(response.headers.get("content-length") or 0)
            if declared > limit:
                raise MediaTooLarge(
                    f"platform media is {declared} bytes, over the {limit}-byte limit"
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise MediaTooLarge(f"platform media is over the {limit}-byte limit")
                if time.monotonic() > deadline:
                    raise UpstreamError(
                        "platform media download took too long", code="fetch_timeout"
                    )
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise UpstreamError(f"fetching {content_id} failed: {exc}", code="fetch_failed") from exc
    return b"".join(chunks)
