"""A bank following ThreatExchange resumes from its checkpoint (python-threatexchange's
FBThreatExchangeCheckpoint: the newest update time applied): a background sync stopped by its
time budget carries on from the last page it applied, and the next sync asks /threat_updates with
`start_time` and is sent only what changed since. An empty privacy group syncs without failing
(python-threatexchange 1.2.17 asserts that no page is empty)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import SecretStr

from takedown import clock
from takedown.exchanges.scheduled import sync_due_exchanges
from takedown.settings import Settings
from tests.exchange_support import ThreatExchangeState, TxDescriptor, threatexchange_graph

PDQS = [f"{i:x}" * 64 for i in range(1, 6)]


def _time(value: str | None) -> int | None:
    return None if value is None else int(datetime.fromisoformat(value).timestamp())


def _sent(state: ThreatExchangeState, since_request: int, start_time: int) -> list[str]:
    """The indicators sent since that request, each page asked for from `start_time`."""
    asked = state.requests[since_request:]
    assert asked and all(r.get("start_time") == str(start_time) for r in asked)
    return [value for page in state.served[since_request:] for value in page]


def test_threatexchange_sync_resumes_from_its_checkpoint(
    settings: Settings,
    client,  # type: ignore[no-untyped-def]
    auth_header: Callable[..., dict[str, str]],
) -> None:
    banks = auth_header("banks")
    state = ThreatExchangeState(page_size=2)
    client.post(
        "/v1/banks", json={"name": "tx", "category": "csam", "action": "block"}, headers=banks
    )
    followed = client.put(
        "/v1/banks/tx/exchange",
        json={
            "exchange": "fb_threatexchange",
            "config": {"privacy_group": state.privacy_group},
            "every_minutes": 30,
        },
        headers=banks,
    )
    assert followed.status_code == 200, followed.text

    def status() -> dict[str, Any]:
        return dict(client.get("/v1/banks/tx/exchange", headers=banks).json())

    with threatexchange_graph(state) as url:
        job_settings = settings.model_copy(
            update={
                "threatexchange_url": url,
                "threatexchange_access_token": SecretStr(state.token),
                "exchange_sync_seconds": 60.0,
            }
        )
        # Nothing shared yet: a complete sync with nothing to bank, not a failure.
        assert sync_due_exchanges(job_settings) == 1
        empty = status()
        assert (empty["failures"], empty["last_error"], empty["records"]) == (0, "", 0)
        assert empty["last_synced_at"] is not None and empty["fetched_up_to"] is None
        assert sync_due_exchanges(job_settings) == 0  # next sync in 30 minutes

        times = [state.share("HASH_PDQ", pdq, TxDescriptor()) for pdq in PDQS[:3]]
        client.post("/v1/banks/tx/exchange/sync", headers=banks)
        # A budget that stops the sync after its first page (two updates).
        hurried = job_settings.model_copy(update={"exchange_sync_seconds": 0.0})
        assert sync_due_exchanges(hurried) == 1
        partial = status()
        assert partial["records"] == 2 and _time(partial["fetched_up_to"]) == times[1]
        assert datetime.fromisoformat(partial["next_sync_at"]) <= clock.now()  # carries on

        asked = len(state.requests)
        assert sync_due_exchanges(job_settings) == 1
        # From the checkpoint, not from the start (`start_time` is inclusive).
        assert _sent(state, asked, times[1]) == [PDQS[1], PDQS[2]]
        done = status()
        assert done["records"] == 3 and done["totals"]["added"] == 3
        assert _time(done["fetched_up_to"]) == times[2]
        assert sync_due_exchanges(job_settings) == 0

        times += [state.share("HASH_PDQ", pdq, TxDescriptor()) for pdq in PDQS[3:]]
        client.post("/v1/banks/tx/exchange/sync", headers=banks)
        asked = len(state.requests)
        assert sync_due_exchanges(job_settings) == 1
        assert _sent(state, asked, times[2]) == [PDQS[2], PDQS[3], PDQS[4]]
        after = status()
        assert after["records"] == 5 and after["totals"]["added"] == 5
        assert after["failures"] == 0 and _time(after["fetched_up_to"]) == times[4]

    exported = client.get("/v1/banks/tx/export?format=text", headers=banks).text
    assert sorted(line.split()[1] for line in exported.splitlines()) == sorted(PDQS)
