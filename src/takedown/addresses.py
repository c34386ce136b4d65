"""Client addresses are kept only as keyed hashes (report rate limits, console sign-in throttle)."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from takedown.settings import Settings


def _address_key(settings: Settings) -> bytes:
    """A per-installation key so stored address hashes cannot be reversed by trying every IP:
    `address_key`, else one generated once and kept in data_dir (mode 0600)."""
    configured = settings.address_key.get_secret_value()
    if configured:
        return configured.encode()
    path = Path(settings.data_dir) / "report-address.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # First process wins; others read its key.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(secrets.token_bytes(32))
        except FileExistsError:
            pass
    return path.read_bytes()


def address_hash(settings: Settings, address: str | None) -> str | None:
    if not address:
        return None
    return hmac.new(_address_key(settings), address.encode(), hashlib.sha256).hexdigest()
