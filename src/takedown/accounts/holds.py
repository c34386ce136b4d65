"""Holding a struck account's new uploads for review (off unless
TAKEDOWN_HOLD_UPLOADS_AFTER_STRIKE_DAYS is set).

An account confirmed to have posted child sexual abuse material is suspended at once by default;
one confirmed to have shared someone's intimate images, or to have groomed or extorted a child,
is struck and, under the strike threshold, stays active. What it posts next is not in any bank:
new pictures of the same person, say. With the setting, each new upload of such an account in
the days after a strike is answered `review` (the platform holds it unpublished) and opens a case
of its own on channel `account_hold`, in the scan's transaction, naming the confirmed case. The
review then releases it or removes it as any held upload (enforcement/held_uploads.py).

Only accounts that are active: a suspended one is the platform's to stop. Only strikes that
stand: one an appeal withdrew holds nothing.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.accounts.models import Account, AccountStatus, Strike
from takedown.cases.models import ACCOUNT_RISK_CATEGORIES


def strike_holding_uploads(db_session: Session, account_id: str, days: int) -> Strike | None:
    """The account's latest standing strike that holds its uploads now, if any."""
    if days <= 0:
        return None
    return db_session.scalar(
        select(Strike)
        .join(Account, Account.id == Strike.account_id)
        .where(
            Strike.account_id == account_id,
            Strike.withdrawn_at.is_(None),
            Strike.category.in_([c.value for c in ACCOUNT_RISK_CATEGORIES]),
            Strike.created_at >= clock.now() - timedelta(days=days),
            Account.status == AccountStatus.ACTIVE.value,
        )
        .order_by(Strike.created_at.desc())
        .limit(1)
    )
