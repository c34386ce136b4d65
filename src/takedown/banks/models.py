"""Banks, their entries, and the change log every serving process follows to stay current."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from takedown.store.base import Base

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL wants BIGINT for big banks.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class BankCategory(enum.StrEnum):
    CSAM = "csam"
    NCII = "ncii"
    OTHER = "other"


class BankSource(enum.StrEnum):
    MANUAL = "manual"
    FILE = "file"
    PLATFORM_CONFIRMED = "platform-confirmed"
    EXCHANGE = "exchange"
    REPORTED = "reported"  # fingerprints reporters sent of their own pictures (review only)


class MatchAction(enum.StrEnum):
    BLOCK = "block"
    REVIEW = "review"


class Bank(Base):
    __tablename__ = "banks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(40), default=BankSource.MANUAL.value)
    action: Mapped[str] = mapped_column(String(20))
    pdq_threshold: Mapped[int] = mapped_column(Integer, default=31)
    # Per-signal thresholds beyond PDQ (for example region or rotation signals): {signal_type: n}
    signal_thresholds: Mapped[dict[str, Any]] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class BankEntry(Base):
    __tablename__ = "bank_entries"
    __table_args__ = (
        # Idempotent import: one entry per (bank, signal type, value); long values go by digest.
        UniqueConstraint("bank_id", "signal_type", "value_digest", name="uq_bank_entries_value"),
        Index("ix_bank_entries_signal", "signal_type", "value_digest"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # Lookups by bank use the unique key's leading column; no separate index to slow imports.
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"))
    signal_type: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(Text)
    value_digest: Mapped[str] = mapped_column(String(64))  # SHA-256 hex of value
    external_id: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str] = mapped_column(Text, default="")
    added_by: Mapped[str] = mapped_column(String(200), default="")
    added_at: Mapped[datetime]
    enabled: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime]


class BankEntryCount(Base):
    """What one transaction changed in a bank's entry counts; a bank's counts are the sum of its
    rows. Written beside every entry write, in the same transaction (counting a 10,000,000-entry
    bank took seconds on every bank page and answer). Inserts, never an update of one shared row,
    so writers to one bank never wait for each other; the counts job folds each bank's rows
    into one."""

    __tablename__ = "bank_entry_counts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    bank_id: Mapped[int] = mapped_column(Integer, index=True)
    entries: Mapped[int] = mapped_column(BigInteger)  # entries added
    enabled: Mapped[int] = mapped_column(BigInteger)  # enabled entries gained (or, negative, lost)


class IndexChange(Base):
    """Append-only log of entry changes; serving processes apply it to their in-memory index."""

    __tablename__ = "index_changes"

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entry_id: Mapped[int | None] = mapped_column(BigInteger)  # None: a bank-level change
    bank_id: Mapped[int] = mapped_column(Integer, index=True)
    op: Mapped[str] = mapped_column(String(20))  # add, enable, disable, bank
    changed_at: Mapped[datetime]
