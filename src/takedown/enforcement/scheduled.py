"""Periodic jobs of enforcement, evidence and transparency (registered in jobs.runner.all_jobs)."""

from __future__ import annotations

import logging

from takedown.enforcement.account_sweep import run_due as sweep_accounts
from takedown.enforcement.copy_search import run_due as search_copies
from takedown.enforcement.delivery import deliver_due, unsigned
from takedown.enforcement.removal_checks import removal_check_job
from takedown.jobs.runner import PeriodicJob
from takedown.settings import Settings
from takedown.store.db import session_scope

log = logging.getLogger(__name__)


def purge_evidence(settings: Settings) -> list[str]:
    from takedown.evidence.service import purge_due

    with session_scope(settings.resolved_database_url) as db_session:
        return purge_due(db_session=db_session, settings=settings)


def clean_media(settings: Settings) -> int:
    from takedown.evidence.media import delete_closed_case_media

    with session_scope(settings.resolved_database_url) as db_session:
        return delete_closed_case_media(db_session=db_session, settings=settings)


def submit_statements(settings: Settings) -> object:
    from takedown.transparency.dsa_client import submit_pending

    return submit_pending(settings)


def jobs(settings: Settings) -> list[PeriodicJob]:
    if unsigned(settings):
        log.error(
            "TAKEDOWN_PLATFORM_WEBHOOK_URL is set but TAKEDOWN_PLATFORM_WEBHOOK_SECRET is empty: "
            "no platform event is delivered until a secret is set (they wait in the outbox)"
        )
    return [
        PeriodicJob(
            "webhook-delivery",
            deliver_due,
            max(settings.job_interval_seconds, 0.5),
            own_thread=True,
        ),
        PeriodicJob("copy-search", search_copies, max(settings.job_interval_seconds, 0.5)),
        PeriodicJob("account-sweep", sweep_accounts, max(settings.job_interval_seconds, 0.5)),
        PeriodicJob("evidence-purge", purge_evidence, 300.0),
        PeriodicJob("media-cleanup", clean_media, 60.0),
        PeriodicJob("dsa-statements", submit_statements, 60.0, own_thread=True),
        removal_check_job(),
    ]
