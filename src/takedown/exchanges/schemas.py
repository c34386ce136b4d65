"""Shapes of the bank exchange API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ExchangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    exchange: str = Field(
        description="ncmec, stop_ncii or fb_threatexchange (a local file is set up on the host)"
    )
    config: dict[str, Any] = Field(
        default_factory=dict,
        description="The exchange's settings, e.g. NCMEC {'environment': 'Industry', "
        "'only_esp_ids': [1, 2]}, ThreatExchange {'privacy_group': 123, 'tags': ['csam']}; "
        "credentials and addresses are server settings, never here",
    )
    every_minutes: int = Field(60, ge=1, le=7 * 24 * 60, description="Minutes between syncs")


class ExchangeOut(BaseModel):
    bank: str
    exchange: str
    config: dict[str, Any]
    every_minutes: int
    last_synced_at: datetime | None
    next_sync_at: datetime
    syncing: bool
    fetched_up_to: datetime | None = Field(
        description="How far the exchange's own timeline has been fetched, where it says"
    )
    records: int = Field(description="Exchange records currently held")
    totals: dict[str, int] = Field(
        description="Since following: records, added, enabled, retracted"
    )
    failures: int = Field(description="Consecutive failed syncs (retried with backoff)")
    last_error: str
