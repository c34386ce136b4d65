"""Prometheus metrics of the review console's exposure controls (review/exposure.py)."""

from __future__ import annotations

from prometheus_client import Counter

REVEALS = Counter(
    "takedown_console_reveals_total",
    "Reveals of original media in the console: shown, or withheld past the daily reveal limit",
    ["outcome"],
)
