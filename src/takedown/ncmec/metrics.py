"""Prometheus metrics for CyberTipline filing: a failure is counted and shown, never silent."""

from __future__ import annotations

from prometheus_client import Counter

from takedown.metrics import database_gauge

REQUESTS = Counter(
    "takedown_ncmec_requests",
    "CyberTipline API requests by endpoint and result.",
    ["endpoint", "result"],
)
FAILURES = Counter(
    "takedown_ncmec_filing_failures",
    "Failed CyberTipline filing attempts, by reason (NCMEC response code or error code).",
    ["reason"],
)
RETRACTIONS = Counter(
    "takedown_ncmec_retractions", "Unfinished CyberTipline reports retracted after a failure."
)
FINISHED = Counter("takedown_ncmec_reports_finished", "CyberTipline reports finished.")
FILINGS = database_gauge("takedown_ncmec_filings", "CyberTipline filings by state.", ["state"])
GIVEN_UP = database_gauge(
    "takedown_ncmec_filings_needing_attention",
    "Failed filings no longer retried automatically (a person must act).",
)
OLDEST_UNFINISHED = database_gauge(
    "takedown_ncmec_oldest_unfinished_seconds",
    "Age of the oldest filing not yet finished (0 when none).",
)
