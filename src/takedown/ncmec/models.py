"""Filing state: one `NcmecFiling` per CyberTipline report Takedown owes for a case.

pending  → queued, nothing sent yet (or retracted after a failure and waiting to retry)
sent     → the report is open at NCMEC (/submit answered); files are being uploaded
finished → /finish answered; the receipt is kept (18 U.S.C. 2258A(h)(1) notification)
failed   → the last attempt failed; retried at `next_attempt_at`, or never if that is empty
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from takedown.banks.models import BigId
from takedown.store.base import Base, JsonDocument


class FilingState(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    FINISHED = "finished"


class NcmecFiling(Base):
    __tablename__ = "ncmec_filings"
    __table_args__ = (
        Index("ix_ncmec_filings_due", "state", "next_attempt_at"),
        Index("ix_ncmec_filings_finished", "state", "finished_at"),  # a period's reports filed
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # "ncm_..."
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    decision_id: Mapped[str | None] = mapped_column(ForeignKey("decisions.id"))
    environment: Mapped[str] = mapped_column(String(20))  # test | production, fixed when queued
    state: Mapped[str] = mapped_column(String(20), default=FilingState.PENDING.value)
    requested_by: Mapped[str] = mapped_column(String(200))  # "system" or "user:<id>"
    ncmec_report_id: Mapped[str | None] = mapped_column(String(40), index=True)
    report_xml: Mapped[str | None] = mapped_column(Text)  # the last <report> document sent
    receipt_xml: Mapped[str | None] = mapped_column(Text)  # the /finish reportDoneResponse
    finished_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]  # None: not scheduled (finished or given up)
    lease_until: Mapped[datetime | None]  # a worker holds the filing until then
    last_error: Mapped[str | None] = mapped_column(Text)
    last_response_code: Mapped[int | None] = mapped_column(Integer)
    retracted_report_ids: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    # [{at, event, detail}]: what happened, shown with the case
    history: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument, default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class NcmecFile(Base):
    """One file uploaded to one NCMEC report (a retry after a retraction uploads again)."""

    __tablename__ = "ncmec_files"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    filing_id: Mapped[str] = mapped_column(ForeignKey("ncmec_filings.id"), index=True)
    ncmec_report_id: Mapped[str] = mapped_column(String(40))
    file_id: Mapped[str] = mapped_column(String(100))  # NCMEC's file id
    case_media_id: Mapped[int | None] = mapped_column(BigId)
    filename: Mapped[str] = mapped_column(String(255))
    md5: Mapped[str] = mapped_column(String(32))
    details_sent: Mapped[bool] = mapped_column(default=False)
    uploaded_at: Mapped[datetime]
