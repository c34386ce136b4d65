"""Client addresses are kept only as keyed hashes (report rate limits, console sign-in throttle)."""

from __future__ import annotations

import hashlib
import hmac

from takedown.local_keys import local_key
from takedown.settings import Settings


def _address_key(settings: Settings) -> bytes:
    """A per-installation key so stored address hashes cannot be reversed by trying every IP:
    `address_key`, else one generated once and kept in data_dir (mode 0600)."""
    configured = settings.address_key.get_secret_value()
    if configured:
        return configured.encode()
    return local_key(settings.data_dir, "report-address.key")


def address_hash(settings: Settings, address: str | None) -> str | None:
    if not address:
        return None
    return hmac.new(_address_key(settings), address.encode(), hashlib.sha256).hexdigest()
