"""The vault key and AES-256-GCM. The key is never logged, printed or stored in the database."""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from takedown.errors import TakedownError
from takedown.local_keys import write_once
from takedown.settings import Settings

log = logging.getLogger(__name__)

NONCE_BYTES = 12
FORMAT_PREFIX = b"TDV1"  # file format marker: prefix, 12-byte nonce, ciphertext with GCM tag


class EvidenceKeyError(TakedownError):
    status, code, title = 503, "evidence_key_unavailable", "The evidence vault key is unavailable"


def opening_keys(settings: Settings) -> list[bytes]:
    """The current key first (it seals), then the retired ones (TAKEDOWN_EVIDENCE_RETIRED_KEYS:
    they only open files not yet encrypted again under the current key)."""
    retired = settings.evidence_retired_keys.get_secret_value().split(",")
    return [
        load_key(settings),
        *(
            _decode(text.strip(), "TAKEDOWN_EVIDENCE_RETIRED_KEYS")
            for text in retired
            if text.strip()
        ),
    ]


def generated_key_path(settings: Settings) -> Path:
    return settings.data_dir / "secrets" / "evidence.key"


def load_key(settings: Settings) -> bytes:
    """The 32-byte key: TAKEDOWN_EVIDENCE_KEY, else TAKEDOWN_EVIDENCE_KEY_FILE, else (demo) a
    generated key file under data_dir when evidence_generate_key allows it."""
    configured = settings.evidence_key.get_secret_value().strip()
    if configured:
        return _decode(configured, "TAKEDOWN_EVIDENCE_KEY")
    if settings.evidence_key_file is not None:
        path = Path(settings.evidence_key_file)
        if not path.is_file():
            raise EvidenceKeyError(
                f"TAKEDOWN_EVIDENCE_KEY_FILE points at {path}, which does not exist",
                code="evidence_key_missing",
            )
        return _decode(path.read_text().strip(), f"the key file {path}")
    path = generated_key_path(settings)
    if path.is_file():
        return _decode(path.read_text().strip(), f"the key file {path}")
    if not settings.evidence_generate_key:
        raise EvidenceKeyError(
            "no evidence key configured: set TAKEDOWN_EVIDENCE_KEY (base64 of 32 bytes) or "
            "TAKEDOWN_EVIDENCE_KEY_FILE; evidence is not preserved without one",
            code="evidence_key_missing",
        )
    return _generate(path)


def _generate(path: Path) -> bytes:
    """A new key at `path`, or the one a process starting at the same moment wrote first."""
    if write_once(path, base64.b64encode(secrets.token_bytes(32)) + b"\n"):
        log.warning(
            "no evidence key configured: generated one at %s (demo default). Back it up, or set "
            "TAKEDOWN_EVIDENCE_KEY_FILE; without it the vault cannot be opened.",
            path,
        )
    return _decode(path.read_text().strip(), f"the key file {path}")


def _decode(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise EvidenceKeyError(
            f"{where} is not valid base64", code="evidence_key_invalid"
        ) from None
    if len(key) != 32:
        raise EvidenceKeyError(
            f"{where} must hold 32 bytes (AES-256), not {len(key)}", code="evidence_key_invalid"
        )
    return key


def encrypt(key: bytes, plaintext: bytes, *, associated: bytes) -> bytes:
    """`associated` binds the ciphertext to its record, so files cannot be swapped unnoticed."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return FORMAT_PREFIX + nonce + AESGCM(key).encrypt(nonce, plaintext, associated)


def decrypt(key: bytes, blob: bytes, *, associated: bytes) -> bytes:
    if not blob.startswith(FORMAT_PREFIX):
        raise ValueError("not a Takedown evidence file")
    body = blob[len(FORMAT_PREFIX) :]
    return AESGCM(key).decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], associated)


def open_with_any(keys: list[bytes], blob: bytes, *, associated: bytes) -> tuple[bytes, int]:
    """The plaintext and the position in `keys` of the key that opened it (0: the current key).
    Raises EvidenceKeyError when none does: a wrong key, or a file altered on disk."""
    for position, key in enumerate(keys):
        try:
            return decrypt(key, blob, associated=associated), position
        except (InvalidTag, ValueError):
            continue
    raise EvidenceKeyError(
        "no configured evidence key opens this file (a wrong key, a retired key missing from "
        "TAKEDOWN_EVIDENCE_RETIRED_KEYS, or the file was altered)",
        code="evidence_key_mismatch",
    )
