"""Prometheus metrics of the scan path (default registry, served at /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# Uploads are answered in milliseconds; video takes seconds.
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

SCANS = Counter(
    "takedown_scans", "Uploads scanned, by verdict and media type", ["verdict", "media_type"]
)
MATCHES = Counter("takedown_scan_matches", "Bank matches found by scans, by bank", ["bank"])
LOOKUPS = Counter("takedown_lookups", "Hash lookups, by whether anything matched", ["matched"])
SCAN_SECONDS = Histogram(
    "takedown_scan_seconds",
    "POST /v1/scan time in the route: key check, hashing, matching, ledger write and commit",
    buckets=_BUCKETS,
)
HASH_SECONDS = Histogram(
    "takedown_scan_hash_seconds", "Decoding and hashing share of a scan", buckets=_BUCKETS
)
MATCH_SECONDS = Histogram(
    "takedown_scan_match_seconds", "Index queries share of a scan", buckets=_BUCKETS
)
LEDGER_PURGED = Counter(
    "takedown_ledger_purged", "Allowed scans deleted from the ledger past its retention period"
)
