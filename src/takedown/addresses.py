"""Client addresses are kept only as keyed hashes (report rate limits, console sign-in throttle)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

from takedown.settings import Settings


def _address_key(settings: Settings) -> bytes:
    """A per-installation key so stored address hashes cannot be reversed by trying every IP."""
    path = Path(settings.data_dir) / "report-address.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(path, "xb") as handle:  # first process wins; others read its key
                handle.write(secrets.token_bytes(32))
        except FileExistsError:
            pass
    return path.read_bytes()


def address_hash(settings: Settings, address: str | None) -> str | None:
    if not address:
        return None
    return hmac.new(_address_key(settings), address.encode(), hashlib.sha256).hexdigest()
