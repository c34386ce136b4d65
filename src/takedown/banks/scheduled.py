"""The counts job: fold each bank's entry-count rows into one (banks.models.BankEntryCount)."""

from __future__ import annotations

from takedown.banks.service import fold_entry_counts
from takedown.jobs.runner import PeriodicJob
from takedown.settings import Settings
from takedown.store.db import session_scope


def fold_counts(settings: Settings) -> int:
    with session_scope(settings.resolved_database_url) as db_session:
        return fold_entry_counts(db_session)


def entry_counts_job() -> PeriodicJob:
    return PeriodicJob("bank-entry-counts", fold_counts, 60.0)
