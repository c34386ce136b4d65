"""Validate and normalise hash values before they enter a bank.

The signals registry (takedown.signals) owns what a valid value is; this module is the one place
banks ask it, so the bank code does not depend on the registry's internals.
"""

from __future__ import annotations

import re

from takedown.errors import InvalidInput

# Names python-threatexchange uses for the same signals (its CSV and text formats carry them).
ALIASES = {"pdq_hash": "pdq", "video_md5_hash": "video_md5", "md5_hash": "md5"}

_HEX = {"pdq": 64, "md5": 32, "sha256": 64, "video_md5": 32}


def normalise(signal_type: str, value: str) -> tuple[str, str]:
    """(signal_type, value) in canonical form; InvalidInput if either is not valid."""
    signal_type = ALIASES.get(signal_type.strip().lower(), signal_type.strip().lower())
    value = value.strip()
    registry_normalise = _registry_normaliser()
    if registry_normalise is not None:
        try:
            return signal_type, registry_normalise(signal_type, value)
        except (ValueError, KeyError, LookupError) as exc:
            raise InvalidInput(
                f"invalid {signal_type} value: {exc}", code="invalid_signal_value"
            ) from None
    length = _HEX.get(signal_type)
    if length is None:
        raise InvalidInput(f"unknown signal type {signal_type!r}", code="unknown_signal_type")
    value = value.lower()
    if len(value) != length or not _is_hex(value):
        raise InvalidInput(
            f"invalid {signal_type} value: expected {length} hex digits",
            code="invalid_signal_value",
        )
    return signal_type, value


_HEX_RE = re.compile(r"[0-9a-f]+")


def _is_hex(value: str) -> bool:
    return _HEX_RE.fullmatch(value) is not None


def _registry_normaliser():  # type: ignore[no-untyped-def]
    """The signals registry's normaliser once it exists; None until then."""
    return None
