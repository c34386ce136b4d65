"""How far a job that follows an append-only table has got."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from takedown.store.base import Base


class JobCursor(Base):
    """One row per following job (e.g. cases for blocked uploads, following match events): the
    last row id it has handled. Locked while a run works, so processes never double up."""

    __tablename__ = "job_cursors"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime]
