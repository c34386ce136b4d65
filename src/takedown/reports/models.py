"""Reports (one per submission), reporter flags and idempotency records."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from takedown.store.base import Base, JsonDocument


class ReporterRole(enum.StrEnum):
    VICTIM = "victim"
    PARENT_OR_GUARDIAN = "parent_or_guardian"
    BYSTANDER = "bystander"
    LAW_ENFORCEMENT = "law_enforcement"
    TRUSTED_FLAGGER = "trusted_flagger"
    PLATFORM_USER = "platform_user"


class MinorSubject(enum.StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class Channel(enum.StrEnum):
    API = "api"  # POST /v1/reports without a key
    PLATFORM = "platform"  # POST /v1/reports with an API key (scope `report`)
    WEB_FORM = "web_form"  # the public /report page
    HASH_MATCH = "hash_match"  # Takedown itself: an upload blocked by a CSAM bank (no notice)
    # Takedown itself: a live upload matching a hash banked after it was scanned (no notice)
    FOUND_AFTER_UPLOAD = "found_after_upload"
    # Takedown itself: content scanned after it was public (POST /v1/scan, published=true) matched
    BACK_CATALOGUE = "back_catalogue"
    # Takedown itself: an upload scanned after a reporter sent a fingerprint of it (reports with
    # `fingerprints`), held for review by that match; it joins the reporter's case
    FINGERPRINT_MATCH = "fingerprint_match"
    # Takedown itself: an upload held unpublished at scan (verdict review) that a `csam` or `ncii`
    # bank matches, at scan (cases/blocked_uploads.py) or later (lookback/service.py)
    HELD_AT_UPLOAD = "held_at_upload"
    # Takedown itself: another upload of an account whose upload was confirmed as child sexual
    # abuse, exploitation or intimate imagery (enforcement/account_sweep.py)
    ACCOUNT_SWEEP = "account_sweep"
    # Takedown itself: a new upload of an account with a recent violating child-safety or
    # intimate-imagery decision, held for review (TAKEDOWN_HOLD_UPLOADS_AFTER_STRIKE_DAYS)
    ACCOUNT_HOLD = "account_hold"
    # A reviewer found a case may be child sexual abuse or exploitation and referred it to
    # child-safety review (review/referrals.py); it joins that case
    REVIEWER_REFERRAL = "reviewer_referral"


# Cases Takedown opened on its own initiative: no notice behind them (DSA source "voluntary").
OWN_INITIATIVE = frozenset(
    {
        Channel.HASH_MATCH,
        Channel.FOUND_AFTER_UPLOAD,
        Channel.BACK_CATALOGUE,
        Channel.FINGERPRINT_MATCH,
        Channel.HELD_AT_UPLOAD,
        Channel.ACCOUNT_SWEEP,
        Channel.ACCOUNT_HOLD,
        Channel.REVIEWER_REFERRAL,
    }
)


CONTACT_KEPT_WHERE = (
    "contact_erased_at IS NULL AND "
    "(reporter_name IS NOT NULL OR reporter_email IS NOT NULL OR signature IS NOT NULL)"
)


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_address_received", "client_address_hash", "received_at"),
        Index("ix_reports_email_received", "reporter_email", "received_at"),
        # The reports whose contact details are still kept: the retention job's candidates
        # (reports/retention.py). Without it the hourly job read every report ever made.
        Index(
            "ix_reports_contact_kept",
            "id",
            sqlite_where=text(CONTACT_KEPT_WHERE),
            postgresql_where=text(CONTACT_KEPT_WHERE),
        ),
        # A period's withdrawals. Partial: a plain index also holds every standing report's
        # NULL, and SQLite took it for `withdrawn_at IS NULL`, reading every report on each scan.
        Index(
            "ix_reports_withdrawn",
            "withdrawn_at",
            sqlite_where=text("withdrawn_at IS NOT NULL"),
            postgresql_where=text("withdrawn_at IS NOT NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # "rep_..."
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    category: Mapped[str] = mapped_column(String(40))
    content_id: Mapped[str | None] = mapped_column(String(255))
    content_url: Mapped[str | None] = mapped_column(Text)  # as given
    account_id: Mapped[str | None] = mapped_column(String(255))  # uploader, if a platform says
    reporter_role: Mapped[str | None] = mapped_column(String(40))
    reporter_name: Mapped[str | None] = mapped_column(String(200))
    reporter_email: Mapped[str | None] = mapped_column(String(320))  # lower-cased
    subject_is_minor: Mapped[str] = mapped_column(String(10), default=MinorSubject.UNKNOWN.value)
    law_enforcement_agency: Mapped[str | None] = mapped_column(String(200))
    law_enforcement_case_number: Mapped[str | None] = mapped_column(String(100))
    explanation: Mapped[str | None] = mapped_column(Text)
    good_faith_statement: Mapped[bool] = mapped_column(default=False)
    signature: Mapped[str | None] = mapped_column(String(200))
    # an offered language (i18n.languages) for emails and the tracking page; None: the default
    language: Mapped[str | None] = mapped_column(String(35))
    # TAKE IT DOWN Act: an NCII report with every required element (starts the 48 h clock).
    valid_take_it_down_request: Mapped[bool] = mapped_column(default=False)
    tracking_token: Mapped[str] = mapped_column(String(64), unique=True)  # 256 random bits
    channel: Mapped[str] = mapped_column(String(20))
    api_key_id: Mapped[str | None] = mapped_column(String(40))
    client_address_hash: Mapped[str | None] = mapped_column(String(64))  # keyed SHA-256
    # The reporter is flagged as sending manifestly unfounded reports (DSA Art 23).
    ranked_lower: Mapped[bool] = mapped_column(default=False)
    # Sent with a key holding the `trusted_flagger` scope: a flagger the platform designated
    # (DSA Art 22). Only these count as trusted flaggers; `reporter_role` is what the report says.
    trusted_flagger: Mapped[bool] = mapped_column(default=False)
    has_media: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime] = mapped_column(index=True)
    # Name, email and signature erased past the retention period (reports/retention.py), or
    # when the reporter withdrew (reports/withdrawal.py).
    contact_erased_at: Mapped[datetime | None]
    # The reporter withdrew their fingerprints: no longer looked for (reports/withdrawal.py).
    withdrawn_at: Mapped[datetime | None]
    # Its reporter is shown nothing that depends on its case: which case, its deadline, status,
    # decision. Set at intake for a report by fingerprint alone, and for one from the public that
    # sends a picture or fingerprints the place it names does not hold (reports/flows.py): its
    # case may have been found, or later be joined, by a match of that media, and anyone can send
    # any picture (docs/reports-and-cases.md).
    case_hidden: Mapped[bool] = mapped_column(default=False, server_default=false())

    @property
    def by_fingerprint_alone(self) -> bool:
        """Says what to look for, not where it is: no address, content id or file (its case is
        hidden from its reporter, `case_hidden`)."""
        return self.content_url is None and self.content_id is None and not self.has_media


class ReportAddition(Base):
    """What a reporter added to their report later, from its tracking page (reports.additions)."""

    __tablename__ = "report_additions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # "add_..."
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    text: Mapped[str | None] = mapped_column(Text)
    law_enforcement_agency: Mapped[str | None] = mapped_column(String(200))
    law_enforcement_case_number: Mapped[str | None] = mapped_column(String(100))
    subject_is_minor: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime]


class ReportFingerprint(Base):
    """A fingerprint (hash) of a picture the reporter holds, sent instead of the picture
    (reports.fingerprints): kept with the report, and banked for review matching when usable."""

    __tablename__ = "report_fingerprints"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    signal_type: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(Text)
    quality: Mapped[int | None]
    # The review-bank entry that finds uploads of it; None: too low a quality to match on.
    bank_entry_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    # Indexed for intake's look at the fingerprints banked in the last seconds: without it,
    # SQLite read every open case to find them (9 ms at 50,000 open cases, under the intake lock).
    created_at: Mapped[datetime] = mapped_column(index=True)


class ReporterFlag(Base):
    """Staff marked this contact as submitting manifestly unfounded reports (DSA Art 23)."""

    __tablename__ = "reporter_flags"

    email: Mapped[str] = mapped_column(String(320), primary_key=True)  # lower-cased
    reason: Mapped[str] = mapped_column(Text, default="")
    flagged_by: Mapped[str] = mapped_column(String(200))
    flagged_at: Mapped[datetime]
    cleared_at: Mapped[datetime | None]


class IdempotentReport(Base):
    """The answer given to an `Idempotency-Key`, so a retry gets it again, not a second report."""

    __tablename__ = "report_idempotency"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256(caller, key)
    request_hash: Mapped[str] = mapped_column(String(64))
    report_id: Mapped[str] = mapped_column(String(40))
    response: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    created_at: Mapped[datetime]


class LostLinksRequest(Base):
    """Someone asked `/track` for an address's tracking links: the job answers it
    (reports.lost_links), so the page does the same work whether or not the address reported."""

    __tablename__ = "lost_links_requests"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    email: Mapped[str] = mapped_column(String(320), index=True)  # normalised, lower-cased
    language: Mapped[str | None] = mapped_column(String(35))
    requested_at: Mapped[datetime]
