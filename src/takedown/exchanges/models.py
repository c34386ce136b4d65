"""A bank's link to a hash exchange, and which exchange records hold which of its hashes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from takedown.store.base import Base


class BankExchange(Base):
    """One per bank that follows an exchange. `checkpoint` is python-threatexchange's fetch
    checkpoint as JSON: where the next fetch resumes, saved with every batch it applied."""

    __tablename__ = "bank_exchanges"

    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"), primary_key=True)
    api: Mapped[str] = mapped_column(String(40))
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    checkpoint: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    every_minutes: Mapped[int] = mapped_column(Integer, default=60)
    next_sync_at: Mapped[datetime]
    # A sync holds the row until then (renewed per batch), so processes never fetch twice.
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    last_synced_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str] = mapped_column(Text, default="")
    failures: Mapped[int] = mapped_column(Integer, default=0)
    # Running totals: records applied, entries added, re-enabled and retracted.
    totals: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ExchangeSignal(Base):
    """A hash an exchange record holds. An entry the exchange gave stays enabled while at least
    one record holds it; when the last one is withdrawn, the entry is disabled."""

    __tablename__ = "exchange_signals"
    __table_args__ = (Index("ix_exchange_signals_value", "bank_id", "signal_type", "value_digest"),)

    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"), primary_key=True)
    record_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    signal_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    value_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
