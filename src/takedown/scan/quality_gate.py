"""The quality gate of PDQ-family hashes: a hash below it (a flat or featureless picture) is kept
but matched exactly only (docs/match-quality.md)."""

from __future__ import annotations

from typing import Any

from takedown.settings import Settings
from takedown.signals.regions import REGION_SIGNAL_TYPES


def is_pdq_family(signal_type: str) -> bool:
    return signal_type == "pdq" or signal_type.startswith("pdq_")


def min_quality(signal_type: str, settings: Settings) -> int:
    """Region signals have their own gate (docs/match-quality.md, measured in bench/RESULTS.md)."""
    if signal_type in REGION_SIGNAL_TYPES:
        return settings.region_min_quality
    return settings.pdq_min_quality


def low_quality(signal: dict[str, Any], settings: Settings) -> bool:
    """Whether a signal is below its gate (or flagged so by its hasher)."""
    if signal.get("low_quality"):
        return True
    quality = signal.get("quality")
    return (
        is_pdq_family(str(signal.get("type")))
        and isinstance(quality, int | float)
        and quality < min_quality(str(signal.get("type")), settings)
    )
