"""Prometheus metrics of the lookback (uploads matched again against newly banked hashes)."""

from __future__ import annotations

from prometheus_client import Counter

from takedown.metrics import database_gauge

SEARCHED = Counter(
    "takedown_lookback_uploads_searched_total",
    "Ledger uploads matched again against hashes banked after they were scanned",
)
FOUND = Counter(
    "takedown_lookback_uploads_found_total",
    "Live uploads found matching a csam or ncii hash banked after upload (each opens a case)",
)
RUNNING_SECONDS = database_gauge(
    "takedown_lookback_running_seconds",
    "How long the running lookback search has been going (0: none); hashes banked meanwhile wait",
)
PROGRESS = database_gauge(
    "takedown_lookback_progress_ratio",
    "Share of its ledger range the running lookback search has searched (1: none running)",
)
