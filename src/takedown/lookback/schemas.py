"""Shapes of the lookback API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class LookbackSearchOut(BaseModel):
    id: int
    status: str = Field(description="running or done")
    entries: int = Field(description="Hashes added or enabled that this search looks for")
    uploads_searched: int
    uploads_in_range: int = Field(description="Ledger uploads this search covers")
    found: int = Field(description="Live uploads found (each opened a case)")
    created_at: datetime
    finished_at: datetime | None


class LookbackOut(BaseModel):
    enabled: bool = Field(description="TAKEDOWN_LOOKBACK_OPENS_CASES")
    searches: list[LookbackSearchOut] = Field(description="Newest first")
