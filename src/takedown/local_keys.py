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


def write_once(path: Path, content: bytes) -> bool:
    """Create `path` (mode 0600) holding `content`, unless it exists; whether this call made it.
    Written whole under a private name, then linked into place: a process starting at the same
    moment reads the winner's file, never a half-written one."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(draft, path)
        return True
    except FileExistsError:
        return False
    finally:
        draft.unlink()


def local_key(data_dir: Path, filename: str, size: int = 32) -> bytes:
    path = Path(data_dir) / filename
    write_once(path, secrets.token_bytes(size))
    key = path.read_bytes()
    if len(key) < SHORTEST_KEY:
        raise KeyFileError(
            f"{path} holds no usable key ({len(key)} bytes): restore it from a backup, or delete "
            "it to have a new one generated (docs/operations.md says what each key protects)"
        )
    return key
