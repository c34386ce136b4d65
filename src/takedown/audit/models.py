"""Audit entries and the chain head. There is no update or delete path for either in the code."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from takedown.store.base import Base


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (
        # A reviewer's reveals of the last hour and day, shown on every queue and case page.
        Index("ix_audit_entries_actor_action_at", "actor", "action", "at"),
        # An action's recent entries (the team's reveals of the week, failed logins of the hour).
        Index("ix_audit_entries_action_at", "action", "at"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(200))  # "user:<id>", "key:<id>", "public", "system"
    action: Mapped[str] = mapped_column(String(80))  # e.g. "report.received"
    subject: Mapped[str] = mapped_column(String(200), index=True)  # e.g. "case_01h..."
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """One row: the last sequence number and hash. Appends lock it, so the chain stays linear."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    entry_hash: Mapped[str] = mapped_column(String(64))
