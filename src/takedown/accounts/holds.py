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

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.accounts.models import Account, AccountStatus, Strike
from takedown.cases.models import ACCOUNT_RISK_CATEGORIES

_CATEGORIES = [c.value for c in ACCOUNT_RISK_CATEGORIES]


@dataclass(frozen=True)
class HoldingStrike:
    case_id: str
    category: str
    created_at: datetime


def strike_holding_uploads(db_session: Session, account_id: str, days: int) -> HoldingStrike | None:
    """The account's latest standing strike that holds its uploads now, if any.

    On every scan of an account while the setting is on, so the common answer (no strike) is one
    lookup on the strikes' account index, with no join and no ORM object; the account's status is
    read only for an account that has such a strike."""
    if days <= 0:
        return None
    found = db_session.execute(
        select(Strike.case_id, Strike.category, Strike.created_at)
        .where(
            Strike.account_id == account_id,
            Strike.withdrawn_at.is_(None),
            Strike.category.in_(_CATEGORIES),
            Strike.created_at >= clock.now() - timedelta(days=days),
        )
        .order_by(Strike.created_at.desc())
        .limit(1)
    ).first()
    if found is None:
        return None
    status = db_session.scalar(select(Account.status).where(Account.id == account_id))
    if status != AccountStatus.ACTIVE.value:
        return None
    return HoldingStrike(
        case_id=found.case_id, category=found.category, created_at=found.created_at
    )
