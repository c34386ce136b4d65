"""Prometheus metrics of the match index (served by /metrics)."""

from __future__ import annotations

from prometheus_client import Counter

from takedown.metrics import process_gauge

INDEX_ENTRIES = process_gauge(
    "takedown_index_entries", "Enabled bank entries in this process's index", ["signal_type"]
)
REFRESH_LAG = process_gauge(
    "takedown_index_refresh_lag_seconds",
    "Seconds since this process's index last read the change log successfully",
)
CHANGES_APPLIED = Counter("takedown_index_changes_applied", "Change-log rows applied")
DELTA_ROWS = process_gauge("takedown_index_delta_rows", "Rows waiting in the delta for compaction")
