"""Shapes the banks API reads and answers with."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from takedown.banks.models import Bank, BankCategory, BankEntry, BankSource, MatchAction


class BankCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=120)
    category: BankCategory
    action: MatchAction
    threshold: int | None = Field(
        None,
        ge=0,
        le=256,
        description="PDQ distance threshold (default TAKEDOWN_PDQ_DEFAULT_THRESHOLD)",
    )
    description: str = ""
    source: BankSource = BankSource.MANUAL


class BankUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, min_length=1, max_length=120, description="Rename")
    category: BankCategory | None = None
    action: MatchAction | None = None
    threshold: int | None = Field(None, ge=0, le=256)
    description: str | None = None
    enabled: bool | None = None
    signal_thresholds: dict[str, int] | None = Field(
        None, description="Distance thresholds of other hamming signals, e.g. {'pdq_center': 24}"
    )


class BankOut(BaseModel):
    name: str
    description: str
    category: str
    source: str
    action: str
    threshold: int
    enabled: bool
    entries: int = Field(description="Enabled entries")
    entries_total: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, bank: Bank, entries: int, entries_total: int) -> BankOut:
        return cls(
            name=bank.name,
            description=bank.description,
            category=bank.category,
            source=bank.source,
            action=bank.action,
            threshold=bank.pdq_threshold,
            enabled=bank.enabled,
            entries=entries,
            entries_total=entries_total,
            created_at=bank.created_at,
            updated_at=bank.updated_at,
        )


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    signal_type: str = Field(description="pdq, md5, sha256, video_md5, ...")
    value: str
    external_id: str | None = Field(None, max_length=255)
    note: str = ""


class EntriesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entries: list[EntryIn] = Field(min_length=1, max_length=10_000)


class EntriesAdded(BaseModel):
    added: int
    skipped: int = Field(description="Already in the bank")
    entry_ids: list[int]


class EntryOut(BaseModel):
    id: int
    signal_type: str
    value: str
    external_id: str | None
    note: str
    added_by: str
    added_at: datetime
    enabled: bool

    @classmethod
    def of(cls, entry: BankEntry) -> EntryOut:
        return cls(
            id=entry.id,
            signal_type=entry.signal_type,
            value=entry.value,
            external_id=entry.external_id,
            note=entry.note,
            added_by=entry.added_by,
            added_at=entry.added_at,
            enabled=entry.enabled,
        )


class BadLineOut(BaseModel):
    line: int
    reason: str


class ImportOut(BaseModel):
    lines: int
    added: int
    skipped: int
    bad_count: int
    bad_lines: list[BadLineOut]
