"""The uploader's other uploads, opened for review once one of theirs is confirmed as child sexual
abuse, child sexual exploitation or intimate imagery shared without consent.

An account that posted such material has often posted more that no bank knows yet. Each of its
other uploads in the content ledger becomes a case of its own (channel `account_sweep`, no notice
behind it), reviewed like any other: material found there is removed, banked (so its copies
follow) and reported. The sweep is the last step of the decision's copy search
(enforcement/copy_search.py), in batches under the same lease, so the copies of the confirmed
content are already down and are skipped here, and an overturned decision cancels both. At most
`TAKEDOWN_ACCOUNT_SWEEP_LIMIT` uploads a decision, newest first; an upload an earlier sweep opened
is not opened again.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from takedown.cases.models import CHILD_SAFETY_CATEGORIES, Case, Category
from takedown.enforcement.metrics import SWEPT_UPLOADS
from takedown.enforcement.models import CopySearch, CopySearchStatus
from takedown.enforcement.removal import taken_down
from takedown.errors import TakedownError
from takedown.reports.models import Channel
from takedown.scan.models import ContentItem, Verdict
from takedown.settings import Settings

log = logging.getLogger(__name__)

SWEPT_CATEGORIES = CHILD_SAFETY_CATEGORIES | {Category.NON_CONSENSUAL_INTIMATE_IMAGERY}
BATCH = 50  # uploads a batch transaction looks at


def sweep_limit(settings: Settings, case: Case, uploader: str | None) -> int:
    """How many of the uploader's other uploads a violating decision on `case` opens."""
    if not uploader or case.category not in SWEPT_CATEGORIES:
        return 0
    return settings.account_sweep_limit


def sweep_batch(db_session: Session, settings: Settings, search: CopySearch) -> bool:
    """Open the next batch of the uploader's other uploads for review, in the caller's
    transaction; False when the sweep has nothing left to do (or another worker took the
    batch)."""
    if not search.uploader or search.swept >= search.sweep_limit or search.swept_below == 0:
        return False
    case = db_session.get(Case, search.case_id)
    if case is None:
        return False
    # Moving the lease from the cursor read is the batch's claim (on PostgreSQL it also locks
    # the row, so a reversal's cancel waits for this batch).
    claimed = db_session.execute(
        update(CopySearch)
        .where(
            CopySearch.id == search.id,
            CopySearch.status == CopySearchStatus.PENDING.value,
            CopySearch.swept_below.is_not_distinct_from(search.swept_below),
            CopySearch.swept == search.swept,
        )
        .values(lease_until=search.lease_until)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    below = search.last_item_id + 1 if search.swept_below is None else search.swept_below
    uploads = _next_uploads(db_session, search.uploader, search.last_item_id, below)
    opened = 0
    for item in uploads:
        if search.swept + opened >= search.sweep_limit:
            break
        below = item.id
        if not taken_down(db_session, item.content_id):
            opened += _open_case(db_session, settings, case, item)
    else:
        if len(uploads) < BATCH:
            below = 0  # nothing older left
    db_session.execute(
        update(CopySearch)
        .where(CopySearch.id == search.id)
        .values(swept_below=below, swept=CopySearch.swept + opened)
    )
    SWEPT_UPLOADS.inc(opened)
    return True


def _next_uploads(
    db_session: Session, account_id: str, last_item_id: int, below: int
) -> list[ContentItem]:
    """The account's next uploads shown on the platform, newest first, each post once (its
    latest scan) and only when that scan is below `below`."""
    latest = func.max(ContentItem.id)
    ids = db_session.scalars(
        select(latest)
        .where(
            ContentItem.account_id == account_id,
            ContentItem.id <= last_item_id,
            ContentItem.verdict != Verdict.BLOCK.value,  # never shown; blocked uploads have cases
        )
        .group_by(ContentItem.content_id)
        .having(latest < below)
        .order_by(latest.desc())
        .limit(BATCH)
    ).all()
    items = db_session.scalars(select(ContentItem).where(ContentItem.id.in_(ids))).all()
    return sorted(items, key=lambda item: item.id, reverse=True)


def _open_case(db_session: Session, settings: Settings, case: Case, item: ContentItem) -> int:
    """1 when the upload's case was opened (or the upload joined an open case), 0 when an
    earlier sweep already opened it or intake refused it."""
    from takedown.reports.flows import report_scanned_upload

    category = Category(case.category)
    try:
        with db_session.begin_nested():  # one bad row never stops the sweep
            answer = report_scanned_upload(
                db_session=db_session,
                settings=settings,
                index=None,  # no media or fingerprints to match: the ledger's signals only
                item=item,
                category=category,
                channel=Channel.ACCOUNT_SWEEP,
                explanation=_explanation(case, item, category),
                idempotency_key=f"account-sweep:{item.scan_id}",
                bank_match=False,
            )
    except TakedownError as exc:
        log.error("no sweep case for upload %s: %s", item.scan_id, exc.detail)
        return 0
    return 0 if answer.replayed else 1


def _explanation(case: Case, item: ContentItem, category: Category) -> str:
    return (
        f"Another upload by account {item.account_id} (scan {item.scan_id}, "
        f"{item.scanned_at:%Y-%m-%d %H:%M} UTC, allowed then), whose upload in case {case.id} "
        f"was confirmed as {category.value.replace('_', ' ')}. Opened so that the account's "
        "other uploads are reviewed; nothing else is known about this upload."
    )


def sweep_status(search: Any) -> dict[str, Any]:
    """The sweep's part of a copy search's status (copy_search.search_status)."""
    return {
        "account_id": search.uploader if search.sweep_limit else None,
        "uploads_opened_for_review": search.swept,
        "sweep_limit": search.sweep_limit,
        "sweep_finished": search.sweep_limit == 0
        or search.swept >= search.sweep_limit
        or search.swept_below == 0,
    }
