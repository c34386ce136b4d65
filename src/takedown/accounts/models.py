"""Accounts (the platform's users, by the platform's account id) and their strikes."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from takedown.store.base import Base


class AccountStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (Index("ix_accounts_flagged", "flagged_for_review", "flagged_at"),)

    id: Mapped[str] = mapped_column(String(255), primary_key=True)  # the platform's account id
    status: Mapped[str] = mapped_column(String(20), default=AccountStatus.ACTIVE.value)
    strike_count: Mapped[int] = mapped_column(default=0)
    suspended_at: Mapped[datetime | None]
    suspended_reason: Mapped[str | None] = mapped_column(Text)
    suspended_by_case_id: Mapped[str | None] = mapped_column(String(40))
    # Posted a copy of confirmed material: a reviewer should look at the account.
    flagged_for_review: Mapped[bool] = mapped_column(default=False)
    flag_reason: Mapped[str | None] = mapped_column(Text)
    flagged_at: Mapped[datetime | None]
    # A reviewer looked and cleared the flag (or opened the account's uploads for review).
    flag_cleared_at: Mapped[datetime | None]
    flag_cleared_by: Mapped[str | None] = mapped_column(String(80))
    flag_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Strike(Base):
    __tablename__ = "account_strikes"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # "stk_..."
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    case_id: Mapped[str] = mapped_column(String(40), index=True)
    decision_id: Mapped[str | None] = mapped_column(String(40))
    policy: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]
    # An appeal that overturned the decision withdraws the strike.
    withdrawn_at: Mapped[datetime | None]
