"""Keys an installation generates for itself when none is configured: random bytes created once
under data_dir (mode 0600) and read by every process after (the first process to start wins).
Servers on several hosts configure the same key instead, or each host has its own."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

# Shorter than any key written here: a file left empty or cut short, never a key to trust.
SHORTEST_KEY = 16


class KeyFileError(RuntimeError):
    """A key file that holds no usable key."""


def local_key(data_dir: Path, filename: str, size: int = 32) -> bytes:
    path = Path(data_dir) / filename
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under a private name, then linked into place: a process starting at the
        # same moment reads the winner's key, never a half-written file.
        draft = path.with_name(f".{filename}.{secrets.token_hex(8)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secrets.token_bytes(size))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    key = path.read_bytes()
    if len(key) < SHORTEST_KEY:
        raise KeyFileError(
            f"{path} holds no usable key ({len(key)} bytes): restore it from a backup, or delete "
            "it to have a new one generated (docs/operations.md says what each key protects)"
        )
    return key
