"""The content ledger (every scanned item) and match events.

Later stages search the ledger to find every copy of confirmed material.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from takedown.banks.models import BigId
from takedown.store.base import Base, JsonDocument


class Verdict(enum.StrEnum):
    BLOCK = "block"
    REVIEW = "review"
    ALLOW = "allow"


class MediaType(enum.StrEnum):
    IMAGE = "image"
    VIDEO = "video"


class ContentItem(Base):
    """One scanned upload: the ledger row."""

    __tablename__ = "content_items"
    __table_args__ = (Index("ix_content_items_account", "account_id", "scanned_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    scan_id: Mapped[str] = mapped_column(String(40), unique=True)
    content_id: Mapped[str] = mapped_column(String(255), index=True)
    account_id: Mapped[str | None] = mapped_column(String(255))
    content_url: Mapped[str | None] = mapped_column(Text)
    # SHA-256 of the normalised URL (content_urls.py): a report giving only the post's address
    # finds this upload, its content id and its uploader.
    content_url_key: Mapped[str | None] = mapped_column(String(64), index=True)
    filename: Mapped[str | None] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(20))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    verdict: Mapped[str] = mapped_column(String(20))
    # [{type, value, quality, ...}] exactly as answered by POST /v1/scan
    signals: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument, default=list)
    scanned_at: Mapped[datetime] = mapped_column(index=True)
    # Scanned when already public (a back-catalogue scan): a match is a case at once, not a block.
    published: Mapped[bool] = mapped_column(default=False, server_default=false())


class ContentSignal(Base):
    """One searchable signal of a ledger item (PDQ, MD5, SHA-256, per-frame PDQ of videos)."""

    __tablename__ = "content_signals"
    __table_args__ = (Index("ix_content_signals_lookup", "signal_type", "value"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    content_item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id"), index=True)
    signal_type: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(128))
    quality: Mapped[int | None] = mapped_column(Integer)


class MatchEvent(Base):
    __tablename__ = "match_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    content_item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id"), index=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"), index=True)
    entry_id: Mapped[int] = mapped_column(BigInteger, index=True)
    signal_type: Mapped[str] = mapped_column(String(40))
    distance: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    matched_at: Mapped[datetime]
