"""Normalise content URLs, so reports about the same page join one case, and a report that gives
only a post's address finds the upload the platform scanned there (the ledger keeps the key)."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that track the sharer, not the content.
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "igshid", "mc_cid", "mc_eid", "ref", "si"})
DEFAULT_PORTS = {"http": 80, "https": 443}


# Never in an address a browser shows (it encodes them): what is typed around one, or markup.
NOT_IN_AN_ADDRESS = re.compile(r'[\s<>"`\x00-\x1f\x7f]')


def has_web_scheme(url: str | None) -> bool:
    """Starts with http:// or https:// (whatever follows)."""
    return bool(url) and str(url).strip().lower().startswith(("http://", "https://"))


def is_web_address(url: str | None) -> bool:
    """A complete http or https address, one `normalise_url` can read: a host, a port that
    exists, nothing a browser would have encoded (what a report's location and the form's extra
    lines must be)."""
    if not has_web_scheme(url):
        return False
    text = str(url).strip()
    if NOT_IN_AN_ADDRESS.search(text):
        return False
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:  # an unclosed IPv6 bracket, a port that is not a number or over 65535
        return False
    return bool((parts.hostname or "").strip("."))


def normalise_url(url: str) -> str:
    """Lower-case scheme and host, drop default ports, `www.`, fragments, tracking parameters
    and trailing slashes, and sort the query."""
    parts = urlsplit(url.strip())
    scheme = (parts.scheme or "https").lower()
    if scheme == "http":
        scheme = "https"  # the same content is served on both
    host = (parts.hostname or "").lower().rstrip(".")
    host = host.removeprefix("www.")
    port = parts.port
    netloc = host if port is None or DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith("utm_")
    )
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def url_key(url: str) -> str:
    """An indexable key for a normalised URL (URLs can be longer than an index allows)."""
    return hashlib.sha256(normalise_url(url).encode()).hexdigest()
