"""The one ID scheme: `<prefix>_<26 chars>`, time-ordered and unguessable (ULID-like)."""

from __future__ import annotations

import secrets
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def _base32(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    """A new identifier: 48 bits of milliseconds then 80 random bits."""
    millis = time.time_ns() // 1_000_000
    return f"{prefix}_{_base32(millis, 10)}{_base32(secrets.randbits(80), 16)}"


def new_secret_token(nbytes: int = 32) -> str:
    """An unguessable token for URLs and bearer keys (256 bits by default)."""
    return secrets.token_urlsafe(nbytes)
