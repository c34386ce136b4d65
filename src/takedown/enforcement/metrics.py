"""Prometheus metrics for the outbox: failures are never silent."""

from __future__ import annotations

from prometheus_client import Counter

from takedown.metrics import database_gauge

OUTBOX_EVENTS = database_gauge(
    "takedown_webhook_outbox_events",
    "Platform webhook events in the outbox, by status (refreshed by the delivery job).",
    ["status"],
)
DELIVERY_ATTEMPTS = Counter(
    "takedown_webhook_delivery_attempts",
    "Webhook delivery attempts by result (delivered, retry, failed).",
    ["result"],
)
COPY_SEARCHES = database_gauge(
    "takedown_copy_searches",
    "Every-copy ledger searches by status (pending, done, cancelled; refreshed by the job).",
    ["status"],
)
COPIES_REMOVED = Counter(
    "takedown_copies_removed",
    "Copies of confirmed material the every-copy search found in the ledger and took down.",
)
ACCOUNTS_FLAGGED = database_gauge(
    "takedown_accounts_flagged_for_review",
    "Accounts flagged for a reviewer's look (they posted a copy of confirmed material), waiting; "
    "refreshed by the account-sweep job.",
)
SWEPT_UPLOADS = Counter(
    "takedown_account_sweep_cases",
    "Other uploads of accounts with confirmed child-safety or intimate-imagery material, opened "
    "for review (enforcement/account_sweep.py).",
)
REMOVAL_CHECKS = Counter(
    "takedown_removal_checks",
    "Checks whether a removed item is really down, by result (gone, still_up, unknown).",
    ["result"],
)
STILL_UP = database_gauge(
    "takedown_removed_items_still_up",
    "Items seen still visible after their removal order and not yet verified down (alert if > 0).",
)
