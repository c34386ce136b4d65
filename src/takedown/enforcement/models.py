"""The webhook outbox: platform actions written with the decision, delivered by a job."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from takedown.store.base import Base


class EventType(enum.StrEnum):
    CONTENT_BLOCK = "content.block"
    CONTENT_REMOVE = "content.remove"
    CONTENT_RESTORE = "content.restore"
    ACCOUNT_SUSPEND = "account.suspend"
    ACCOUNT_RESTORE = "account.restore"
    CASE_UPDATED = "case.updated"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # retried for webhook_retry_hours without success


class OutboxEvent(Base):
    """One platform event. The body is fixed when written, so every retry sends the same bytes."""

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_due", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # the event_id
    event_type: Mapped[str] = mapped_column(String(40), index=True)
    case_id: Mapped[str | None] = mapped_column(String(40), index=True)
    subject: Mapped[str | None] = mapped_column(String(255))  # content id or account id
    body: Mapped[str] = mapped_column(Text)  # the exact JSON posted
    status: Mapped[str] = mapped_column(String(20), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    # Also the claim lease: a claimed row is pushed into the future, so a crash mid-delivery
    # only delays it until the lease runs out.
    next_attempt_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_status_code: Mapped[int | None] = mapped_column(Integer)

    def payload(self) -> dict[str, Any]:
        import json

        return json.loads(self.body)
