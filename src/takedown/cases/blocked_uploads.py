"""An upload blocked by a CSAM bank becomes a case; so does an account's repeated attempts to
post intimate imagery an NCII bank blocks, and every upload a CSAM or NCII review bank holds.

Blocking keeps known material from being seen, but an attempt to post apparent child sexual abuse
material is itself something a provider must act on: the account, the CyberTipline report
(18 U.S.C. 2258A), the evidence. So each upload a `csam` bank blocked opens a case (a report on
channel `hash_match`, no notice behind it: DSA source "voluntary", automated detection), and the
review, enforcement and NCMEC filing run as for any case. Its media comes from the platform's
media endpoint (TAKEDOWN_PLATFORM_MEDIA_URL), which must keep serving blocked uploads to Takedown.

One blocked attempt to post a person's intimate images (a StopNCII hash, a confirmed case's) is
stopped and that is enough; an account that keeps trying is harassing that person, and the
platform should look at it (DSA Art 23: users who frequently provide manifestly illegal content).
So every `TAKEDOWN_BLOCKED_NCII_ATTEMPTS_OPEN_CASE`-th upload of an account that `ncii` banks
blocked within `TAKEDOWN_BLOCKED_NCII_ATTEMPT_DAYS` opens a case about its latest attempt, with
the count in its explanation; a violating decision is a strike against the account.

An upload matching a `csam` or `ncii` bank whose action is `review` gets the verdict `review`:
the platform holds it, unpublished, until someone decides. That someone is a Takedown reviewer, so
each such upload opens a case (channel `held_at_upload`; one matching a reporter's fingerprint
joins that reporter's case instead, channel `fingerprint_match`). A violating decision removes it
like any reported content; a closing "no violation" releases it (`content.restore` with
`held: true`, enforcement/held_uploads.py), so a hold never lasts longer than its review.

The scan path does none of this work: this job follows the match events from a stored cursor.
Rows are taken once they are `SETTLE` old, so a scan transaction that commits a lower id after a
higher one (PostgreSQL sequences) is still seen; each case is idempotent on the scan id.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError

from takedown import clock
from takedown.banks.models import Bank, BankCategory, MatchAction
from takedown.cases.live_uploads import CASE_CATEGORY, describe_match, open_case_for_live_upload
from takedown.errors import TakedownError
from takedown.jobs.cursors import locked_cursor
from takedown.jobs.runner import PeriodicJob
from takedown.reports.fingerprints import REPORTED_BANKS
from takedown.reports.models import Channel
from takedown.scan.models import ContentItem, MatchEvent, Verdict
from takedown.settings import Settings
from takedown.store.db import session_scope

log = logging.getLogger(__name__)
CURSOR = "cases-for-blocked-csam-uploads"
BATCH = 100
SETTLE = timedelta(seconds=10)


def open_cases_for_blocked_uploads(settings: Settings, index: Any = None) -> int:
    """Open a case for each upload blocked by a CSAM bank since the last run, for each account's
    n-th blocked NCII attempt, and for each upload a CSAM or NCII review bank held (one matching
    a reporter's fingerprint joins that reporter's case); returns how many uploads were looked
    at."""
    categories = [
        *([BankCategory.CSAM.value] if settings.blocked_csam_opens_cases else []),
        *([BankCategory.NCII.value] if settings.blocked_ncii_attempts_open_case else []),
    ]
    try:
        with session_scope(settings.resolved_database_url) as db_session:
            cursor = locked_cursor(db_session, CURSOR)
            rows = db_session.execute(
                select(
                    MatchEvent.id,
                    MatchEvent.matched_at,
                    MatchEvent.content_item_id,
                    Bank.name.label("bank"),
                    MatchEvent.entry_id,
                    MatchEvent.signal_type,
                    MatchEvent.distance,
                    Bank.category,
                    MatchEvent.action,
                )
                .join(Bank, Bank.id == MatchEvent.bank_id)
                .join(ContentItem, ContentItem.id == MatchEvent.content_item_id)
                .where(
                    MatchEvent.id > cursor.position,
                    or_(
                        and_(
                            MatchEvent.action == MatchAction.BLOCK.value,
                            Bank.category.in_(categories),
                        ),
                        and_(
                            MatchEvent.action == MatchAction.REVIEW.value,
                            Bank.category.in_(list(CASE_CATEGORY)),
                        ),
                    ),
                    # Content scanned when already public opened its case in the scan itself.
                    ContentItem.published.is_(False),
                )
                .order_by(MatchEvent.id)
                .limit(BATCH)
            ).all()
            # Up to the first row not yet settled: the cursor never passes a row it has not taken.
            settled_before = clock.now() - SETTLE
            events = []
            for row in rows:
                if row.matched_at > settled_before:
                    break
                events.append(row)
            if not events:
                return 0
            by_item: dict[int, list[Any]] = {}
            for event in events:
                by_item.setdefault(event.content_item_id, []).append(event)
            for item_id, found in by_item.items():
                item = db_session.get(ContentItem, item_id)
                if item is None:  # purged by ledger retention (never a blocked row) or gone
                    continue
                try:
                    with db_session.begin_nested():  # one bad row never blocks the rest
                        _act_on(db_session, settings, index, item, found)
                except TakedownError as exc:
                    log.error("no case for upload %s: %s", item.scan_id, exc.detail)
            cursor.position, cursor.updated_at = events[-1].id, clock.now()
            return len(by_item)
    except IntegrityError:
        log.info("another process created the blocked-upload cursor first; next run goes on")
        return 0


def _act_on(
    db_session: Any,
    settings: Settings,
    index: Any,
    item: ContentItem,
    events: list[Any],
) -> None:
    """A blocked CSAM upload opens its case; a blocked NCII upload counts as an attempt; an
    upload held for review opens its case, or joins the case of the reporter whose fingerprint it
    matched."""
    fingerprinted = tuple(e.entry_id for e in events if e.bank in REPORTED_BANKS)
    blocked = [e for e in events if e.action == MatchAction.BLOCK.value]
    found = [describe_match(e) for e in events]
    if any(e.category == BankCategory.CSAM.value for e in blocked):
        if settings.blocked_csam_opens_cases:
            _open_case(db_session, settings, index, item, found, fingerprinted)
            return
    elif blocked and settings.blocked_ncii_attempts_open_case:
        _count_ncii_attempt(db_session, settings, index, item, found)
    held = [e for e in events if e.category in CASE_CATEGORY]
    if held and item.verdict == Verdict.REVIEW:
        uploaded = f"Uploaded at {item.scanned_at:%Y-%m-%d %H:%M:%S} UTC (scan {item.scan_id})"
        open_case_for_live_upload(
            db_session,
            settings,
            index,
            item,
            held,
            channel=Channel.FINGERPRINT_MATCH if fingerprinted else Channel.HELD_AT_UPLOAD,
            how_found=(
                f"{uploaded}, held for review, and matching a fingerprint a reporter sent"
                if fingerprinted
                else f"{uploaded} and held for review by a hash match"
            ),
        )


def _open_case(
    db_session: Any,
    settings: Settings,
    index: Any,
    item: ContentItem,
    found: list[str],
    fingerprinted: tuple[int, ...],
) -> None:
    from takedown.cases.models import Category
    from takedown.reports.flows import report_scanned_upload

    report_scanned_upload(
        db_session=db_session,
        settings=settings,
        index=index,
        item=item,
        category=Category.CHILD_SEXUAL_ABUSE,
        channel=Channel.HASH_MATCH,
        explanation=(
            f"Blocked at upload by a hash match: {'; '.join(found)}. "
            f"Scan {item.scan_id} at {item.scanned_at:%Y-%m-%d %H:%M:%S} UTC."
        ),
        idempotency_key=f"blocked-upload:{item.scan_id}",
        fingerprint_entries=fingerprinted,
    )


def _count_ncii_attempt(
    db_session: Any, settings: Settings, index: Any, item: ContentItem, found: list[str]
) -> None:
    """Open a case when this blocked upload is its account's n-th (every multiple of the setting)
    NCII attempt within the window; counted up to this upload, so the number is its own."""
    from takedown.cases.models import Category
    from takedown.reports.flows import report_scanned_upload

    every = settings.blocked_ncii_attempts_open_case
    if not item.account_id or not every:
        return
    days = settings.blocked_ncii_attempt_days
    attempt = db_session.scalar(
        select(func.count()).where(
            ContentItem.account_id == item.account_id,
            ContentItem.id <= item.id,
            ContentItem.scanned_at >= item.scanned_at - timedelta(days=days),
            ContentItem.published.is_(False),
            exists().where(
                MatchEvent.content_item_id == ContentItem.id,
                MatchEvent.action == MatchAction.BLOCK.value,
                MatchEvent.bank_id.in_(
                    select(Bank.id).where(Bank.category == BankCategory.NCII.value)
                ),
            ),
        )
    )
    if not attempt or attempt % every:
        return
    report_scanned_upload(
        db_session=db_session,
        settings=settings,
        index=index,
        item=item,
        category=Category.NON_CONSENSUAL_INTIMATE_IMAGERY,
        channel=Channel.HASH_MATCH,
        explanation=(
            f"Account {item.account_id}: {attempt} uploads blocked by intimate-imagery hash banks "
            f"in {days} days; this one, scan {item.scan_id} at "
            f"{item.scanned_at:%Y-%m-%d %H:%M:%S} UTC, by: {'; '.join(found)}."
        ),
        idempotency_key=f"ncii-attempts:{item.scan_id}",
    )


def blocked_upload_job(app: Any) -> PeriodicJob:
    def run(settings: Settings) -> int:
        return open_cases_for_blocked_uploads(settings, getattr(app.state, "index", None))

    return PeriodicJob("cases-for-blocked-uploads", run, 15.0)
