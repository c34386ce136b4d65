"""Stored statements of reasons and their submission to the DSA Transparency Database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from takedown.store.base import Base, JsonDocument


class StatementRecord(Base):
    __tablename__ = "statements_of_reasons"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # also the puid
    case_id: Mapped[str | None] = mapped_column(String(40), index=True)  # None: blocked at scan
    decision_id: Mapped[str | None] = mapped_column(String(40))
    content_id: Mapped[str | None] = mapped_column(String(255))
    account_id: Mapped[str | None] = mapped_column(String(255), index=True)
    restriction: Mapped[str] = mapped_column(String(40))  # content.remove | account.suspend
    body: Mapped[dict[str, Any]] = mapped_column(JsonDocument)  # StatementOfReasons.api_json()
    created_at: Mapped[datetime] = mapped_column(index=True)
    # pending -> submitted, or rejected (the database refused it: fix and re-queue by hand)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    # The DSA Transparency Database's answer; None until submitted.
    submitted_at: Mapped[datetime | None]
    database_uuid: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
