"""A full fetch (a ThreatExchange checkpoint older than 85 days: the group no longer remembers
deletions that old) withdraws whatever it did not list; stopped midway (the exchange failed, the
server was killed), it starts over at the next sync instead of resuming from a fresh checkpoint,
which would fetch only what changed and never withdraw the forgotten hashes. The job's time budget
bounds every sync, full or not, whatever the feed's paging: an endless run of empty pages stops a
sync at its budget, and a full fetch that never ends fails visibly after 30 budgets instead of
holding every bank's exchange sync for good."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from pydantic import SecretStr
from sqlalchemy import select

from takedown.exchanges.models import BankExchange
from takedown.exchanges.scheduled import sync_due_exchanges
from takedown.settings import Settings
from takedown.store.db import session_scope
from tests.exchange_support import (
    ThreatExchangeState,
    TxDescriptor,
    enabled_values,
    threatexchange_graph,
)

PDQS = [f"{i:x}" * 64 for i in range(1, 6)]
EIGHTY_SIX_DAYS = 86 * 24 * 3600


def _follow(client: Any, banks: dict[str, str], state: ThreatExchangeState) -> None:
    created = client.post(
        "/v1/banks", json={"name": "tx", "category": "csam", "action": "block"}, headers=banks
    )
    assert created.status_code == 201, created.text
    followed = client.put(
        "/v1/banks/tx/exchange",
        json={"exchange": "fb_threatexchange", "config": {"privacy_group": state.privacy_group}},
        headers=banks,
    )
    assert followed.status_code == 200, followed.text


def _make_checkpoint_stale(settings: Settings) -> None:
    with session_scope(settings.resolved_database_url) as db_session:
        exchange = db_session.scalars(select(BankExchange)).one()
        stale = int(time.time()) - EIGHTY_SIX_DAYS
        exchange.checkpoint = {**exchange.checkpoint, "last_fetch_time": stale}


def _job_settings(settings: Settings, url: str, state: ThreatExchangeState, budget: float) -> Any:
    return settings.model_copy(
        update={
            "threatexchange_url": url,
            "threatexchange_access_token": SecretStr(state.token),
            "exchange_sync_seconds": budget,
        }
    )


def test_a_full_fetch_stopped_midway_starts_over(
    settings: Settings,
    client,  # type: ignore[no-untyped-def]
    auth_header: Callable[..., dict[str, str]],
) -> None:
    banks = auth_header("banks")
    state = ThreatExchangeState(page_size=2)
    for pdq in PDQS:
        state.share("HASH_PDQ", pdq, TxDescriptor())
    _follow(client, banks, state)

    def status() -> dict[str, Any]:
        return dict(client.get("/v1/banks/tx/exchange", headers=banks).json())

    with threatexchange_graph(state) as url:
        job = _job_settings(settings, url, state, 60.0)
        assert sync_due_exchanges(job) == 1
        assert enabled_values(settings) == set(PDQS)

        # Long unfollowed: two indicators left the group so long ago that it forgot them.
        for pdq in PDQS[3:]:
            del state.indicators["HASH_PDQ", pdq]
        _make_checkpoint_stale(settings)
        state.fail_after_requests = len(state.requests) + 1  # the second page fails
        client.post("/v1/banks/tx/exchange/sync", headers=banks)
        assert sync_due_exchanges(job) == 1
        failed = status()
        assert failed["failures"] == 1 and "500" in failed["last_error"]
        assert enabled_values(settings) == set(PDQS)  # nothing withdrawn from half a list

        state.fail_after_requests = None
        client.post("/v1/banks/tx/exchange/sync", headers=banks)
        assert sync_due_exchanges(job) == 1
        done = status()
        assert (done["failures"], done["totals"]["retracted"]) == (0, 2)
        assert enabled_values(settings) == set(PDQS[:3])


def _bounded(run: Callable[[], object], seconds: float) -> None:
    finished = threading.Event()
    threading.Thread(target=lambda: (run(), finished.set()), daemon=True).start()
    assert finished.wait(seconds), "the exchange job is still paging"


def test_an_endless_feed_holds_the_exchange_job_a_bounded_time(
    settings: Settings,
    client,  # type: ignore[no-untyped-def]
    auth_header: Callable[..., dict[str, str]],
) -> None:
    banks = auth_header("banks")
    state = ThreatExchangeState(page_size=2)
    state.share("HASH_PDQ", PDQS[0], TxDescriptor())
    _follow(client, banks, state)

    def status() -> dict[str, Any]:
        return dict(client.get("/v1/banks/tx/exchange", headers=banks).json())

    with threatexchange_graph(state) as url:
        assert sync_due_exchanges(_job_settings(settings, url, state, 60.0)) == 1
        state.endless_paging = True
        hurried = _job_settings(settings, url, state, 0.2)

        client.post("/v1/banks/tx/exchange/sync", headers=banks)
        _bounded(lambda: sync_due_exchanges(hurried), 20)
        partial = status()
        assert partial["failures"] == 0 and partial["next_sync_at"] is not None

        _make_checkpoint_stale(settings)  # a full fetch: cannot stop at its budget and resume
        client.post("/v1/banks/tx/exchange/sync", headers=banks)
        _bounded(lambda: sync_due_exchanges(hurried), 40)
        failed = status()
        assert failed["failures"] == 1 and "did not end within" in failed["last_error"]
        assert "takedown exchange sync tx" in failed["last_error"]
        assert enabled_values(settings) == {PDQS[0]}
