"""Prometheus metrics of the lookback (uploads matched again against newly banked hashes)."""

from __future__ import annotations

from prometheus_client import Counter

SEARCHED = Counter(
    "takedown_lookback_uploads_searched_total",
    "Ledger uploads matched again against hashes banked after they were scanned",
)
FOUND = Counter(
    "takedown_lookback_uploads_found_total",
    "Live uploads found matching a csam or ncii hash banked after upload (each opens a case)",
)
