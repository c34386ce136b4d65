"""The background job: every bank whose exchange is due syncs, a bounded time per run."""

from __future__ import annotations

import logging

from sqlalchemy import select

from takedown.banks.models import Bank
from takedown.errors import Conflict, InvalidInput
from takedown.exchanges import service
from takedown.exchanges.metrics import FAILING, LAST_SYNC
from takedown.exchanges.models import BankExchange
from takedown.jobs.runner import PeriodicJob
from takedown.settings import Settings
from takedown.store.db import session_scope

log = logging.getLogger(__name__)


def sync_due_exchanges(settings: Settings) -> int:
    """Sync each due bank (failures are recorded on the bank and retried); returns how many ran."""
    ran = 0
    for bank_name in service.due_banks(settings):
        try:
            service.sync(settings, bank_name, budget_seconds=settings.exchange_sync_seconds)
            ran += 1
        except Conflict:
            continue  # another process took it
        except InvalidInput as exc:  # a setting missing (credentials): `exchange status` says it
            log.warning("exchange sync of bank %s failed: %s; retried with backoff", bank_name, exc)
            ran += 1
        except Exception:
            log.exception("exchange sync of bank %s failed; retried with backoff", bank_name)
            ran += 1
    refresh_gauges(settings)
    return ran


def refresh_gauges(settings: Settings) -> None:
    with session_scope(settings.resolved_database_url) as db_session:
        rows = db_session.execute(
            select(
                Bank.name, BankExchange.api, BankExchange.last_synced_at, BankExchange.failures
            ).join(BankExchange, BankExchange.bank_id == Bank.id)
        ).all()
    for bank, api, synced_at, failures in rows:
        LAST_SYNC.labels(bank, api).set(synced_at.timestamp() if synced_at else 0)
        FAILING.labels(bank, api).set(failures)


def exchange_sync_job() -> PeriodicJob:
    return PeriodicJob("exchange-sync", sync_due_exchanges, every_seconds=5.0, own_thread=True)
