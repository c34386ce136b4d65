"""The webhook outbox: platform actions written with the decision, delivered by a job."""

from __future__ import annotations

import enum
import json
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from takedown.banks.models import BigId
from takedown.store.base import Base, JsonDocument


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
    # Never delivered: a later event undid it first (a restore of a removal still being retried)
    SUPERSEDED = "superseded"


class OutboxEvent(Base):
    """One platform event. The body is fixed when written, so every retry sends the same bytes."""

    __tablename__ = "outbox_events"
    __table_args__ = (
        Index("ix_outbox_events_due", "status", "next_attempt_at"),
        # The webhooks page: a status's newest events, and the last week's delivered.
        Index("ix_outbox_events_status_created", "status", "created_at"),
        # Events about one item go in order: every claim checks for an earlier one still to go.
        Index("ix_outbox_events_subject_created", "subject", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # the event_id
    event_type: Mapped[str] = mapped_column(String(40), index=True)
    case_id: Mapped[str | None] = mapped_column(String(40), index=True)
    subject: Mapped[str | None] = mapped_column(String(255))  # content id or account id
    body: Mapped[str] = mapped_column(Text)  # the exact JSON posted
    status: Mapped[str] = mapped_column(String(20), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(index=True)  # the webhooks page, newest first
    # Also the claim lease: a claimed row is pushed into the future, so a crash mid-delivery
    # only delays it until the lease runs out.
    next_attempt_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    # Set when an operator re-queues a failed event: the retry window starts again from here.
    retry_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_status_code: Mapped[int | None] = mapped_column(Integer)

    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)


class MatchKind(enum.StrEnum):
    REPORTED = "reported"  # the case's own content item
    IDENTICAL = "identical"  # same MD5 / SHA-256 / video MD5 (TAKE IT DOWN Act: identical copies)
    SIMILAR = "similar"  # PDQ within threshold or vPDQ match (UK OSA: "substantially the same")


# Seen still visible after the removal order, not verified down since, and not restored.
STILL_UP_WHERE = "still_up_checks > 0 AND removal_verified_at IS NULL AND restored_at IS NULL"


class CaseCopy(Base):
    """A platform content item enforced because of a case: the reported item and every copy."""

    __tablename__ = "case_copies"
    __table_args__ = (
        UniqueConstraint("case_id", "content_id", name="uq_case_copies_item"),
        # The items seen still up: the overview's count and the gauge an alert watches.
        Index(
            "ix_case_copies_still_up",
            "id",
            sqlite_where=text(STILL_UP_WHERE),
            postgresql_where=text(STILL_UP_WHERE),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(40), index=True)
    content_id: Mapped[str] = mapped_column(String(255), index=True)
    account_id: Mapped[str | None] = mapped_column(String(255), index=True)
    content_item_id: Mapped[int | None] = mapped_column(BigInteger)  # ledger row, if scanned
    match_kind: Mapped[str] = mapped_column(String(20))
    signal_type: Mapped[str | None] = mapped_column(String(40))
    distance: Mapped[int | None] = mapped_column(Integer)
    media_type: Mapped[str | None] = mapped_column(String(20))
    uploaded_at: Mapped[datetime | None]
    removed_at: Mapped[datetime] = mapped_column(index=True)  # a period's removals
    restored_at: Mapped[datetime | None]
    # Removal verification (enforcement/removal_checks.py): is the item really down?
    next_removal_check_at: Mapped[datetime | None] = mapped_column(index=True)
    removal_verified_at: Mapped[datetime | None]
    still_up_checks: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_removal_check_at: Mapped[datetime | None]
    removal_check_error: Mapped[str | None] = mapped_column(Text)


class CaseBankEntry(Base):
    """A bank entry a case added, or found already banked and confirmed again: switched off on
    the case's reversal unless another case whose violating decision stands is linked to it."""

    __tablename__ = "case_bank_entries"
    __table_args__ = (UniqueConstraint("case_id", "entry_id", name="uq_case_bank_entries_entry"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(40), index=True)
    bank_id: Mapped[int] = mapped_column(Integer)
    entry_id: Mapped[int] = mapped_column(BigInteger, index=True)
    signal_type: Mapped[str] = mapped_column(String(40))
    added_at: Mapped[datetime]


class CopySearchStatus(enum.StrEnum):
    PENDING = "pending"  # the copy-search job has ledger rows left to search
    DONE = "done"
    CANCELLED = "cancelled"  # the decision was overturned before the search finished


class CopySearch(Base):
    """The ledger search for every copy of a case's confirmed content. Written with the
    decision; run by the copy-search job in batches of ledger rows after it commits
    (enforcement/copy_search.py), so a decision never waits on the size of the ledger."""

    __tablename__ = "copy_searches"
    __table_args__ = (Index("ix_copy_searches_due", "status", "lease_until"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(40), index=True)
    decision_id: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    # What is searched for, fixed at the decision: the case's signals and the PDQ threshold of
    # the bank they were added to.
    signals: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument)
    pdq_threshold: Mapped[int] = mapped_column(Integer)
    uploader: Mapped[str | None] = mapped_column(String(255))  # the reported content's account
    policy: Mapped[str] = mapped_column(String(120), default="")
    searched_up_to: Mapped[int] = mapped_column(BigInteger, default=0)  # ledger ids done
    last_item_id: Mapped[int] = mapped_column(BigInteger)  # the ledger's last id to search
    # When `last_item_id` was last set to the ledger's end; it is set once more after the
    # banked hashes have reached every serving process (copy_search.COVER).
    target_set_at: Mapped[datetime]
    target_final: Mapped[bool] = mapped_column(default=False)
    found: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    lease_until: Mapped[datetime]  # a job's claim; due again once it has passed
    finished_at: Mapped[datetime | None]


class SweepStatus(enum.StrEnum):
    PENDING = "pending"  # the account-sweep job has uploads left to open
    DONE = "done"
    CANCELLED = "cancelled"  # the decision behind it was overturned


class AccountSweep(Base):
    """An account's other uploads in the content ledger, opened for review as cases of their own
    because of material confirmed in `case_id` (enforcement/account_sweep.py): newest first, at
    most `max_uploads`; ledger ids from `below` up are done (None: not started)."""

    __tablename__ = "account_sweeps"
    __table_args__ = (Index("ix_account_sweeps_due", "status", "lease_until"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(String(255), index=True)
    case_id: Mapped[str] = mapped_column(String(40), index=True)
    category: Mapped[str] = mapped_column(String(40))  # of the confirmed case: the cases' own
    requested_by: Mapped[str] = mapped_column(String(80))  # "system:enforcement" or "user:..."
    note: Mapped[str | None] = mapped_column(Text)  # why, when a reviewer asked for it
    max_uploads: Mapped[int] = mapped_column(Integer)
    opened: Mapped[int] = mapped_column(Integer, default=0)
    below: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
