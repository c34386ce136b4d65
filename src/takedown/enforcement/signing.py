"""Webhook signatures: `Takedown-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.

The timestamp is signed with the body so a captured request cannot be replayed later; the receiver
rejects signatures older than its tolerance (docs/platform-webhooks.md).
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "Takedown-Signature"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """True when `header` is a valid, fresh signature of `body` (the platform-side check)."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    # As bytes: a header may carry any Latin-1 text, and compare_digest refuses non-ASCII str.
    candidates = [candidate.encode("utf-8", "replace") for candidate in parts.get("v1", [])]
    return any(hmac.compare_digest(expected.encode(), candidate) for candidate in candidates)
