"""Report intake helpers: rate limits, reporter flags (DSA Art 23), idempotency."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record
from takedown.errors import NotFound, RateLimited
from takedown.reports.models import IdempotentReport, Report, ReporterFlag
from takedown.settings import Settings

RATE_WINDOW = timedelta(hours=1)


def rate_limit_reached(
    *, db_session: Session, settings: Settings, address_hash: str | None, email: str | None
) -> RateLimited | None:
    """DSA Art 23: the refusal earned by the N-th report within an hour from one client address
    or one contact (counted in the database, so every serving process agrees); None if neither
    limit is reached."""
    since = clock.now() - RATE_WINDOW
    if address_hash:
        count = db_session.scalar(
            select(func.count())
            .select_from(Report)
            .where(Report.client_address_hash == address_hash, Report.received_at > since)
        )
        if (count or 0) >= settings.report_rate_limit_per_address:
            return RateLimited(
                "too many reports from this address; try again later",
                code="report_rate_limited",
                retry_after_seconds=int(RATE_WINDOW.total_seconds()),
            )
    if email:
        count = db_session.scalar(
            select(func.count())
            .select_from(Report)
            .where(_same_mailbox(email), Report.received_at > since)
        )
        if (count or 0) >= settings.report_rate_limit_per_contact:
            return RateLimited(
                "too many reports from this contact; try again later",
                code="report_rate_limited",
                retry_after_seconds=int(RATE_WINDOW.total_seconds()),
            )
    return None


def mailbox(email: str) -> str:
    """The inbox an address delivers to, for the per-contact limit: lower case, without a
    `+tag` on the local part (victim+1@example.org and Victim@example.org are one inbox). The
    report keeps the address as given."""
    local, at, domain = email.strip().lower().rpartition("@")
    if not at:
        return email.strip().lower()
    return f"{local.partition('+')[0] or local}@{domain}"


def _like_literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _same_mailbox(email: str) -> ColumnElement[bool]:
    """Reports whose contact delivers to the inbox `email` does (stored lower case): the inbox
    itself, or the inbox's local part with any `+tag`."""
    local, _, domain = mailbox(email).rpartition("@")
    tagged = f"{_like_literal(local)}+%@{_like_literal(domain)}"
    return or_(
        Report.reporter_email == mailbox(email),
        Report.reporter_email.like(tagged, escape="\\"),
    )


def is_flagged(*, db_session: Session, email: str | None) -> bool:
    if not email:
        return False
    flag = db_session.get(ReporterFlag, email.lower())
    return flag is not None and flag.cleared_at is None


def flag_reporter(
    *, db_session: Session, email: str, actor: str, reason: str = "", clear: bool = False
) -> ReporterFlag:
    """Mark (or clear) a contact as sending manifestly unfounded reports (DSA Art 23).

    Their reports are still stored and reviewed, ranked lower in queues.
    """
    email = email.strip().lower()
    flag = db_session.get(ReporterFlag, email)
    now = clock.now()
    if clear:
        if flag is None:
            raise NotFound(f"{email} is not flagged", code="reporter_not_flagged")
        flag.cleared_at = now
    elif flag is None:
        flag = ReporterFlag(email=email, reason=reason, flagged_by=actor, flagged_at=now)
        db_session.add(flag)
    else:
        flag.reason, flag.flagged_by, flag.flagged_at, flag.cleared_at = reason, actor, now, None
    record(
        db_session=db_session,
        actor=actor,
        action="reporter.flag_cleared" if clear else "reporter.flagged",
        subject=f"reporter:{hashlib.sha256(email.encode()).hexdigest()[:16]}",
        details={"reason": reason},
    )
    db_session.flush()
    return flag


def idempotency_key_hash(caller: str, key: str) -> str:
    return hashlib.sha256(f"{caller}\n{key}".encode()).hexdigest()


def request_hash(payload: dict[str, Any], file_sha256: str | None) -> str:
    canonical = json.dumps([payload, file_sha256], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def previous_answer(*, db_session: Session, key_hash: str) -> IdempotentReport | None:
    return db_session.get(IdempotentReport, key_hash)


def report_by_token(*, db_session: Session, tracking_token: str) -> Report:
    report = db_session.scalar(select(Report).where(Report.tracking_token == tracking_token))
    if report is None:
        raise NotFound("no report has this tracking link", code="unknown_tracking_token")
    return report
