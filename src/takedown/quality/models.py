"""A quality check: a sampled final decision, looked at again by a reviewer who did not make it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from takedown.store.base import Base


class CheckStatus(enum.StrEnum):
    WAITING = "waiting"
    CHECKED = "checked"


class QualityCheck(Base):
    __tablename__ = "quality_checks"
    __table_args__ = (
        Index("ix_quality_checks_status_sampled", "status", "sampled_at"),
        Index("ix_quality_checks_status_checked", "status", "checked_at"),  # checks since
        # Whether this user checked this case: both columns in one index, or SQLite, without
        # statistics, may pick the checker's index and read every check they ever did.
        Index("ix_quality_checks_case_checker", "case_id", "checked_by"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # "qc_..."
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    decision_id: Mapped[str] = mapped_column(ForeignKey("decisions.id"), unique=True)
    # The sampled decision's reviewer and what they found, copied so the rates need no join.
    decided_by: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    decided_outcome: Mapped[str] = mapped_column(String(20))
    decided_category: Mapped[str] = mapped_column(String(40))  # what the decision confirmed
    sampled_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default=CheckStatus.WAITING.value)
    checked_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    checked_at: Mapped[datetime | None]
    # The checker's own decision, made without seeing the sampled one.
    outcome: Mapped[str | None] = mapped_column(String(20))
    policy: Mapped[str | None] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text)
    agrees: Mapped[bool | None]
    # A disagreement reopens the case as an appeal (appellant `quality_review`) when it can.
    appeal_id: Mapped[str | None] = mapped_column(ForeignKey("appeals.id"))
    not_reopened_because: Mapped[str | None] = mapped_column(Text)
    # A check that found child sexual abuse or exploitation where the case, not reopened, stands
    # as something else: the case it referred to child-safety review (review/referrals.py).
    referred_case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"))
