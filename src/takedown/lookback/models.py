"""A lookback: the uploads in the ledger, matched again against the hashes banked since."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from takedown.banks.models import BigId
from takedown.store.base import Base


class LookbackStatus(enum.StrEnum):
    RUNNING = "running"
    DONE = "done"


class LookbackSearch(Base):
    """The entries added or enabled by index changes (changes_after, changes_to], searched for in
    the ledger rows (position, ledger_end]; `position` moves with each batch's transaction."""

    __tablename__ = "lookback_searches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    changes_after: Mapped[int] = mapped_column(BigInteger)
    changes_to: Mapped[int] = mapped_column(BigInteger)
    entries: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(BigInteger)
    ledger_end: Mapped[int] = mapped_column(BigInteger)
    searched: Mapped[int] = mapped_column(BigInteger, default=0)
    found: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
