"""Prometheus metrics of exchange syncs (a bank that stops syncing stops learning new hashes)."""

from __future__ import annotations

from prometheus_client import Counter

from takedown.metrics import database_gauge

SYNCS = Counter(
    "takedown_exchange_syncs_total",
    "Exchange sync runs, by exchange and outcome (complete, partial: resumes next run, failed)",
    ["exchange", "outcome"],
)
ENTRY_CHANGES = Counter(
    "takedown_exchange_entry_changes_total",
    "Bank entries changed by exchange syncs: added, enabled (returned), retracted (withdrawn); "
    "refused: hashes never banked (malformed, unknown type, a blank picture's PDQ)",
    ["exchange", "change"],
)
LAST_SYNC = database_gauge(
    "takedown_exchange_last_sync_timestamp_seconds",
    "When each bank last completed a sync with its exchange (Unix time; 0: never)",
    ["bank", "exchange"],
)
FAILING = database_gauge(
    "takedown_exchange_failures",
    "Consecutive failed syncs of each bank's exchange (0 when the last one worked)",
    ["bank", "exchange"],
)
