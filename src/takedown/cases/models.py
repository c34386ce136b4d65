"""Cases (one per reported piece of content), their media and appeals."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from takedown.banks.models import BigId
from takedown.store.base import Base, JsonDocument


class Category(enum.StrEnum):
    CHILD_SEXUAL_ABUSE = "child_sexual_abuse"
    # grooming, sextortion, enticement
    CHILD_SEXUAL_EXPLOITATION = "child_sexual_exploitation"
    NON_CONSENSUAL_INTIMATE_IMAGERY = "non_consensual_intimate_imagery"
    OTHER_ILLEGAL = "other_illegal"
    TERMS_VIOLATION = "terms_violation"


CHILD_SAFETY_CATEGORIES = frozenset(
    {Category.CHILD_SEXUAL_ABUSE, Category.CHILD_SEXUAL_EXPLOITATION}
)
# Child safety and intimate imagery: a confirmed case of these makes the uploader's other uploads
# (enforcement/account_sweep.py) and, if set, its next ones (accounts/holds.py) suspect.
ACCOUNT_RISK_CATEGORIES = CHILD_SAFETY_CATEGORIES | {Category.NON_CONSENSUAL_INTIMATE_IMAGERY}
# The hash-bank category (banks.models.BankCategory) that holds media of a case's category.
BANK_CATEGORY = {
    Category.CHILD_SEXUAL_ABUSE.value: "csam",
    Category.CHILD_SEXUAL_EXPLOITATION.value: "csam",
    Category.NON_CONSENSUAL_INTIMATE_IMAGERY.value: "ncii",
}

# Most severe first: a case's category is the most severe among its reports.
CATEGORY_SEVERITY = [
    Category.CHILD_SEXUAL_ABUSE,
    Category.CHILD_SEXUAL_EXPLOITATION,
    Category.NON_CONSENSUAL_INTIMATE_IMAGERY,
    Category.OTHER_ILLEGAL,
    Category.TERMS_VIOLATION,
]


class CaseStatus(enum.StrEnum):
    """Where a case stands. The public tracking page maps these to plain words."""

    # A report by fingerprint alone (reports/fingerprints.py): nothing to review until an upload
    # matches, so no review queue holds it and no deadline runs; the first match makes it OPEN.
    WATCHING = "watching"
    OPEN = "open"  # received, waiting in a queue (nobody has decided yet)
    IN_REVIEW = "in_review"  # claimed by a reviewer, or re-opened by an appeal being reviewed
    SECOND_REVIEW = "second_review"  # one child-safety "no" (see review.flows); needs a second
    ACTION_TAKEN = "action_taken"  # closed: decided violating, action taken
    NO_ACTION = "no_action"  # closed: decided no violation (twice if child safety)
    APPEALED = "appealed"  # an appeal against the decision is open
    MERGED = "merged"  # closed undecided: its reports and media joined `merged_into`
    # closed undecided: watching, and every report on it withdrawn (reports/withdrawal.py)
    WITHDRAWN = "withdrawn"


OPEN_STATUSES = frozenset(
    {
        CaseStatus.WATCHING,
        CaseStatus.OPEN,
        CaseStatus.IN_REVIEW,
        CaseStatus.SECOND_REVIEW,
        CaseStatus.APPEALED,
    }
)
# Open, with something to review: what queues hold, deadlines count and escalations chase.
REVIEW_STATUSES = OPEN_STATUSES - {CaseStatus.WATCHING}
CLOSED_STATUSES = frozenset(
    {CaseStatus.ACTION_TAKEN, CaseStatus.NO_ACTION, CaseStatus.MERGED, CaseStatus.WITHDRAWN}
)


class Priority(enum.StrEnum):
    P0 = "P0"
    P1 = "P1"
    P2 = "P2"


class Outcome(enum.StrEnum):
    VIOLATING = "violating"
    NO_VIOLATION = "no_violation"


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_queue", "status", "priority", "deadline_at"),
        Index("ix_cases_next_escalation_at", "next_escalation_at"),
        # The open cases a lead assigned to a reviewer, counted on every queue page they open.
        Index("ix_cases_assignee_status", "assigned_to", "status"),
        # A work queue's page in its order (review.service.QUEUE_ORDER), read from the open
        # cases alone: without it PostgreSQL sorts the whole backlog for every page. SQLite
        # could not match the IN list of a partial index to the queue's, so it is PostgreSQL's.
        Index(
            "ix_cases_review_queue_order",
            "priority",
            "ranked_lower",
            text("escalation_level DESC"),
            "deadline_at",
            "created_at",
            "id",
            postgresql_where=text("status IN ('open', 'in_review', 'second_review', 'appealed')"),
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # "case_..."
    status: Mapped[str] = mapped_column(String(20), default=CaseStatus.OPEN.value)
    priority: Mapped[str] = mapped_column(String(4))
    category: Mapped[str] = mapped_column(String(40))  # most severe category among its reports
    # A child-safety category or a minor subject: the two-person rule keys on it.
    is_child_safety: Mapped[bool] = mapped_column(default=False)
    # Set once an NCII report that is a valid TAKE IT DOWN Act request joins: 48 h is the law.
    deadline_is_legal: Mapped[bool] = mapped_column(default=False)
    deadline_started_at: Mapped[datetime]  # start of the window the escalation points divide
    deadline_at: Mapped[datetime] = mapped_column(index=True)
    # 0 none; 1 at 50 % of the window; 2 at 90 %; 3 at breach. Queues sort on it.
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    next_escalation_at: Mapped[datetime | None]  # None once breached or closed, or watching
    # When a watching case's first matching upload arrived (its deadline starts there); None for
    # a case that had content from its first report.
    found_at: Mapped[datetime | None]
    bank_match: Mapped[bool] = mapped_column(default=False)
    # Every report came from a reporter flagged as manifestly unfounded (DSA Art 23).
    ranked_lower: Mapped[bool] = mapped_column(default=False)
    report_count: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(40))  # users.id
    claimed_at: Mapped[datetime | None]
    # A lead's routing (review/assignment.py): the case waits in this reviewer's "mine" queue.
    # Unlike a claim it does not lapse, and it keeps nobody else from the case.
    assigned_to: Mapped[str | None] = mapped_column(String(40))  # users.id
    assigned_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(20))
    outcome_text_public: Mapped[str | None] = mapped_column(Text)  # plain words for /track
    decided_at: Mapped[datetime | None] = mapped_column(index=True)
    closed_at: Mapped[datetime | None]
    account_id: Mapped[str | None] = mapped_column(String(255), index=True)  # the uploader
    content_id: Mapped[str | None] = mapped_column(String(255), index=True)
    content_url: Mapped[str | None] = mapped_column(Text)  # normalised (see content_urls.py)
    content_url_key: Mapped[str | None] = mapped_column(String(64), index=True)  # its SHA-256
    # The content id and address came from a report whose case is hidden from its reporter
    # (reports.case_hidden): acted on, but no other report finds the case by them, or its answer
    # would tell what the hidden report's picture matched (reports/flows.py).
    location_unverified: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Fetching the content's media from the platform: None (not needed), pending, done, failed.
    media_fetch_state: Mapped[str | None] = mapped_column(String(20))
    media_fetch_attempts: Mapped[int] = mapped_column(Integer, default=0)
    media_fetch_next_at: Mapped[datetime | None]  # also a lease while a worker fetches
    media_fetch_error: Mapped[str | None] = mapped_column(Text)
    # Set when media fetched later showed this case to be about the same content as another.
    merged_into: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(index=True)  # a period's cases
    updated_at: Mapped[datetime]

    @property
    def running_deadline(self) -> datetime | None:
        """The deadline, or None while watching: it starts when an upload matches."""
        return None if self.status == CaseStatus.WATCHING else self.deadline_at


class MediaSource(enum.StrEnum):
    UPLOAD = "upload"  # attached to a report
    PLATFORM = "platform"  # fetched by content id through TAKEDOWN_PLATFORM_MEDIA_URL


class CaseMedia(Base):
    """One media file of a case, stored content-addressed under settings.media_dir."""

    __tablename__ = "case_media"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    report_id: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(20))
    storage_path: Mapped[str] = mapped_column(Text)  # relative to settings.media_dir
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str | None] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(20))  # image | video | unknown
    size_bytes: Mapped[int] = mapped_column(Integer)
    # [{type, value, quality, ...}] as computed by the signals concern
    signals: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument, default=list)
    # [{bank_id, entry_id, signal_type, distance}] from the match index at intake
    matches: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument, default=list)
    error: Mapped[str | None] = mapped_column(Text)  # why hashing failed, if it did
    created_at: Mapped[datetime]


class CaseMediaSignal(Base):
    """A searchable signal of case media (PDQ, MD5, per-frame PDQ of videos): merging uses it."""

    __tablename__ = "case_media_signals"
    __table_args__ = (Index("ix_case_media_signals_lookup", "signal_type", "value"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_media_id: Mapped[int] = mapped_column(ForeignKey("case_media.id"), index=True)
    case_id: Mapped[str] = mapped_column(String(40), index=True)
    signal_type: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(128))
    quality: Mapped[int | None] = mapped_column(Integer)


class OpenCasePdqKey(Base):
    """One 16-bit chunk of a PDQ row of an open case's media, the key multi-index hashing probes
    (cases/near_search.py). Only open cases' rows are keyed: closing a case drops its keys and
    reopening it restores them, so the table stays the size of the open work, not of history."""

    __tablename__ = "open_case_pdq_keys"

    # The key first: the primary key's index answers "which rows have this key" by itself.
    key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    signal_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("case_media_signals.id"), primary_key=True, autoincrement=False
    )
    case_id: Mapped[str] = mapped_column(String(40), index=True)


class Appellant(enum.StrEnum):
    REPORTER = "reporter"  # against no action
    UPLOADER = "uploader"  # against removal
    QUALITY_REVIEW = "quality_review"  # a quality check disagreed (staff's, not a complaint)


class AppealStatus(enum.StrEnum):
    OPEN = "open"
    DECIDED = "decided"


class AppealOutcome(enum.StrEnum):
    UPHELD = "upheld"  # the original decision stands
    OVERTURNED = "overturned"  # the original decision is reversed


class Appeal(Base):
    """An appeal against a case's decision (DSA Art 20); the review concern decides it."""

    __tablename__ = "appeals"
    __table_args__ = (Index("ix_appeals_status_created", "status", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # "apl_..."
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    appellant: Mapped[str] = mapped_column(String(20))
    report_id: Mapped[str | None] = mapped_column(String(40))  # the reporter's report, if any
    contact_email: Mapped[str | None] = mapped_column(String(320))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=AppealStatus.OPEN.value)
    # The decision appealed against, so the appeal goes to someone who did not decide it.
    appealed_outcome: Mapped[str | None] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(20))
    outcome_text_public: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(40))  # users.id
    created_at: Mapped[datetime] = mapped_column(index=True)  # a period's appeals
    decided_at: Mapped[datetime | None] = mapped_column(index=True)  # a period's appeals


class CaseNote(Base):
    """Staff's internal note on a case (what was asked of whom, what to look at, a hand-over):
    never shown to a reporter or the uploader; written once, never edited, its text erased only
    by an administrator's redaction (cases/notes.py)."""

    __tablename__ = "case_notes"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # "note_..."
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    author_id: Mapped[str] = mapped_column(String(40))  # users.id
    text: Mapped[str] = mapped_column(Text)  # "" once redacted
    written_at: Mapped[datetime]
    redacted_at: Mapped[datetime | None]
    redacted_by: Mapped[str | None] = mapped_column(String(40))  # users.id
    redaction_reason: Mapped[str | None] = mapped_column(String(500))
