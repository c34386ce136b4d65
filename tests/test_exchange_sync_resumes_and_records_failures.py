"""An exchange sync that fails says so on the bank and is retried with backoff; a background sync
stops after its time budget and the next run resumes from the saved checkpoint (NCMEC's paging
link), so a first fetch of millions of hashes never holds up the other jobs and nothing fetched
is lost or banked twice."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

import pytest
from pydantic import SecretStr

from takedown import clock
from takedown.exchanges.scheduled import sync_due_exchanges
from takedown.settings import Settings, get_settings
from tests.exchange_support import NcmecState, ncmec_hash_sharing

PDQS = [f"{i:x}" * 64 for i in range(1, 6)]


def test_exchange_sync_resumes_and_records_failures(
    settings: Settings,
    cli: Callable[..., object],
    client,  # type: ignore[no-untyped-def]
    auth_header: Callable[..., dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    banks = auth_header("banks")
    state = NcmecState(page_size=2)
    for number, pdq in enumerate(PDQS):
        state.add(f"image-{number}", "image", {"pdq": pdq})
    client.post(
        "/v1/banks", json={"name": "ncmec", "category": "csam", "action": "block"}, headers=banks
    )
    followed = client.put(
        "/v1/banks/ncmec/exchange",
        json={"exchange": "ncmec", "config": {"environment": "Industry"}, "every_minutes": 30},
        headers=banks,
    )
    assert followed.status_code == 200, followed.text

    with ncmec_hash_sharing(state) as url:
        monkeypatch.setenv("TAKEDOWN_NCMEC_HASH_API_URL", url)
        monkeypatch.setenv("TAKEDOWN_NCMEC_HASH_API_USERNAME", state.user)
        monkeypatch.setenv("TAKEDOWN_NCMEC_HASH_API_PASSWORD", "wrong")
        get_settings.cache_clear()
        failed = cli("exchange", "sync", "ncmec")
        assert failed.exit_code == 1
        assert "401" in failed.output  # type: ignore[attr-defined]
        status = client.get("/v1/banks/ncmec/exchange", headers=banks).json()
        assert status["failures"] == 1 and "401" in status["last_error"]
        assert datetime.fromisoformat(status["next_sync_at"]) > clock.now()  # backoff
        assert status["last_synced_at"] is None

        # The background job, with a budget that stops it after the first batch.
        job_settings = settings.model_copy(
            update={
                "ncmec_hash_api_url": url,
                "ncmec_hash_api_username": state.user,
                "ncmec_hash_api_password": SecretStr(state.password),
                "exchange_sync_seconds": 0.0,
            }
        )
        assert sync_due_exchanges(job_settings) == 0  # not due: backing off
        client.post("/v1/banks/ncmec/exchange/sync", headers=banks)
        # Each run applies one batch: the NCMEC client first narrows its time window (empty
        # batches that only move the checkpoint), then pages through the entries two at a time.
        for _ in range(100):
            assert sync_due_exchanges(job_settings) == 1
            partial = client.get("/v1/banks/ncmec/exchange", headers=banks).json()
            if partial["records"]:
                break
        assert partial["records"] == 2  # one page
        assert partial["last_synced_at"] is None and partial["failures"] == 0
        assert datetime.fromisoformat(partial["next_sync_at"]) <= clock.now()  # carries on
        asked_before = len(state.requests)

        job_settings = job_settings.model_copy(update={"exchange_sync_seconds": 60.0})
        assert sync_due_exchanges(job_settings) == 1
        resumed = state.requests[asked_before]
        assert "start=2" in resumed  # NCMEC's paging link, from the saved checkpoint
        done = client.get("/v1/banks/ncmec/exchange", headers=banks).json()
        assert done["records"] == 5 and done["last_synced_at"] is not None
        assert done["totals"]["added"] == 5
        assert sync_due_exchanges(job_settings) == 0  # next sync in 30 minutes

    bank = client.get("/v1/banks/ncmec", headers=banks).json()
    assert (bank["entries"], bank["entries_total"]) == (5, 5)
    exported = cli("bank", "export", "ncmec", "--format", "text")
    assert sorted(line.split()[1] for line in exported.stdout.splitlines()) == sorted(PDQS)  # type: ignore[attr-defined]
    status_rows = json.loads(cli("exchange", "status", "--json").stdout)  # type: ignore[attr-defined]
    assert status_rows[0]["failures"] == 0 and status_rows[0]["last_error"] == ""
