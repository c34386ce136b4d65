"""Strikes, suspension, flags and an account's history. Platform events go through the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.accounts.models import Account, AccountStatus, Strike
from takedown.audit.service import record as audit
from takedown.enforcement.account_sweep import confirmed_case_of, sweep_on_request, sweeps
from takedown.enforcement.models import CaseCopy, EventType
from takedown.enforcement.outbox import enqueue
from takedown.errors import Conflict, NotFound
from takedown.ids import new_id
from takedown.scan.models import ContentItem
from takedown.settings import Settings


def get_or_create(*, db_session: Session, account_id: str) -> Account:
    account = db_session.get(Account, account_id)
    if account is None:
        now = clock.now()
        account = Account(
            id=account_id,
            status=AccountStatus.ACTIVE.value,
            strike_count=0,
            flagged_for_review=False,
            created_at=now,
            updated_at=now,
        )
        db_session.add(account)
        db_session.flush()
    return account


def add_strike(
    *,
    db_session: Session,
    account_id: str,
    case_id: str,
    decision_id: str | None,
    policy: str,
    category: str,
) -> Account:
    """One strike per case and account; a repeated decision on the same case adds none."""
    account = get_or_create(db_session=db_session, account_id=account_id)
    existing = db_session.scalar(
        select(Strike).where(
            Strike.account_id == account_id,
            Strike.case_id == case_id,
            Strike.withdrawn_at.is_(None),
        )
    )
    if existing is None:
        db_session.add(
            Strike(
                id=new_id("stk"),
                account_id=account_id,
                case_id=case_id,
                decision_id=decision_id,
                policy=policy or category,
                category=category,
                created_at=clock.now(),
            )
        )
        account.strike_count += 1
        account.updated_at = clock.now()
        db_session.flush()
    return account


def suspend(
    *,
    db_session: Session,
    account: Account,
    reason: str,
    case_id: str | None,
    actor: str,
    statement_of_reasons: dict[str, Any] | None = None,
) -> bool:
    """Suspend and tell the platform (account.suspend); False if it was already suspended."""
    if account.status == AccountStatus.SUSPENDED.value:
        return False
    now = clock.now()
    account.status = AccountStatus.SUSPENDED.value
    account.suspended_at, account.suspended_reason = now, reason
    account.suspended_by_case_id, account.updated_at = case_id, now
    data: dict[str, Any] = {"account_id": account.id, "case_id": case_id, "reason": reason}
    if statement_of_reasons is not None:
        data["statement_of_reasons"] = statement_of_reasons
    enqueue(
        db_session=db_session,
        event_type=EventType.ACCOUNT_SUSPEND,
        case_id=case_id,
        subject=account.id,
        data=data,
    )
    audit(
        db_session=db_session,
        actor=actor,
        action="account.suspended",
        subject=account.id,
        details={"case_id": case_id, "reason": reason},
    )
    return True


def restore(
    *, db_session: Session, account: Account, reason: str, case_id: str | None, actor: str
) -> bool:
    """Lift a suspension (appeal overturned, or staff) and tell the platform (account.restore)."""
    if account.status != AccountStatus.SUSPENDED.value:
        return False
    now = clock.now()
    account.status, account.updated_at = AccountStatus.ACTIVE.value, now
    account.suspended_at = account.suspended_reason = account.suspended_by_case_id = None
    enqueue(
        db_session=db_session,
        event_type=EventType.ACCOUNT_RESTORE,
        case_id=case_id,
        subject=account.id,
        data={"account_id": account.id, "case_id": case_id, "reason": reason},
    )
    audit(
        db_session=db_session,
        actor=actor,
        action="account.restored",
        subject=account.id,
        details={"case_id": case_id, "reason": reason},
    )
    return True


def withdraw_strikes(*, db_session: Session, case_id: str) -> list[Account]:
    """An overturned decision withdraws its strikes; the accounts affected are returned."""
    accounts: list[Account] = []
    for strike in db_session.scalars(
        select(Strike).where(Strike.case_id == case_id, Strike.withdrawn_at.is_(None))
    ):
        strike.withdrawn_at = clock.now()
        account = db_session.get(Account, strike.account_id)
        if account is not None:
            account.strike_count = max(account.strike_count - 1, 0)
            accounts.append(account)
    return accounts


def flag_for_review(*, db_session: Session, account_id: str, reason: str) -> Account:
    account = get_or_create(db_session=db_session, account_id=account_id)
    if not account.flagged_for_review:
        account.flagged_for_review, account.flag_reason = True, reason
        account.flagged_at = account.updated_at = clock.now()
    return account


def clear_flag(*, db_session: Session, account_id: str, actor: str, note: str) -> None:
    """A reviewer looked at a flagged account and found nothing more to do: the flag goes, the
    note stays (and is audited). A later copy flags it again. Conflict when it is not flagged."""
    account = db_session.get(Account, account_id)
    if account is None or not account.flagged_for_review:
        raise Conflict("the account is not flagged for review", code="not_flagged")
    _unflag(db_session, account, actor, note)


def open_uploads_for_review(
    *, db_session: Session, settings: Settings, account_id: str, actor: str, note: str
) -> None:
    """A reviewer's account sweep (enforcement/account_sweep.py); it clears the flag, as the
    look the flag asked for."""
    sweep_on_request(db_session, settings, account_id=account_id, actor=actor, note=note)
    account = db_session.get(Account, account_id)
    if account is not None and account.flagged_for_review:
        _unflag(db_session, account, actor, f"uploads opened for review: {note}")


def _unflag(db_session: Session, account: Account, actor: str, note: str) -> None:
    now = clock.now()
    account.flagged_for_review = False
    account.flag_cleared_at = account.updated_at = now
    account.flag_cleared_by, account.flag_note = actor, note
    audit(
        db_session=db_session,
        actor=actor,
        action="account.flag_cleared",
        subject=account.id,
        details={"flag_reason": account.flag_reason, "note": note},
    )


def flagged(*, db_session: Session, limit: int = 200) -> list[Account]:
    """Accounts waiting for a reviewer's look, longest waiting first."""
    return list(
        db_session.scalars(
            select(Account)
            .where(Account.flagged_for_review.is_(True))
            .order_by(Account.flagged_at, Account.id)
            .limit(limit)
        )
    )


def flagged_count(*, db_session: Session) -> int:
    return int(
        db_session.scalar(
            select(func.count()).select_from(Account).where(Account.flagged_for_review.is_(True))
        )
        or 0
    )


def should_suspend(
    *, db_session: Session, settings: Settings, account: Account, policy: str, is_csam: bool
) -> str | None:
    """Why the account is suspended now, or None. Strikes count per policy, each policy with its
    own threshold (TAKEDOWN_STRIKE_THRESHOLDS, else TAKEDOWN_STRIKE_THRESHOLD)."""
    if is_csam and settings.suspend_on_csam:
        return "child sexual abuse material"
    threshold = settings.strike_thresholds.get(policy, settings.strike_threshold)
    strikes = db_session.scalar(
        select(func.count())
        .select_from(Strike)
        .where(
            Strike.account_id == account.id,
            Strike.policy == policy,
            Strike.withdrawn_at.is_(None),
        )
    )
    if strikes and strikes >= threshold:
        return f"{strikes} strikes under policy {policy} (threshold {threshold})"
    return None


@dataclass
class AccountHistory:
    account: Account
    strikes: list[Strike] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)
    blocked_uploads: list[ContentItem] = field(default_factory=list)
    uploads_total: int = 0
    sweeps: list[dict[str, Any]] = field(default_factory=list)  # enforcement/account_sweep.py
    # The latest confirmed case linking the account: what a reviewer's sweep would be because of.
    confirmed_case_id: str | None = None


def history(*, db_session: Session, account_id: str, limit: int = 100) -> AccountHistory:
    account = db_session.get(Account, account_id)
    uploads_total = db_session.scalar(
        select(func.count()).select_from(ContentItem).where(ContentItem.account_id == account_id)
    )
    if account is None and not uploads_total and not _named_by_a_case(db_session, account_id):
        raise NotFound(f"no account {account_id}", code="account_not_found")
    if account is None:  # seen only in the ledger or on a case: shown, not stored
        now = clock.now()
        account = Account(
            id=account_id,
            status=AccountStatus.ACTIVE.value,
            strike_count=0,
            flagged_for_review=False,
            created_at=now,
            updated_at=now,
        )
    strikes = list(
        db_session.scalars(
            select(Strike).where(Strike.account_id == account_id).order_by(Strike.created_at.desc())
        )
    )
    cases: dict[str, dict[str, Any]] = {}
    for copy in db_session.scalars(
        select(CaseCopy)
        .where(CaseCopy.account_id == account_id)
        .order_by(CaseCopy.removed_at.desc())
    ):
        entry = cases.setdefault(
            copy.case_id, {"case_id": copy.case_id, "content_ids": [], "role": copy.match_kind}
        )
        entry["content_ids"].append(copy.content_id)
    for case_id, status, category in _cases_as_uploader(db_session, account_id):
        entry = cases.setdefault(
            case_id, {"case_id": case_id, "content_ids": [], "role": "uploader"}
        )
        entry.update({"status": status, "category": category})
    blocked = list(
        db_session.scalars(
            select(ContentItem)
            .where(ContentItem.account_id == account_id, ContentItem.verdict == "block")
            .order_by(ContentItem.scanned_at.desc())
            .limit(limit)
        )
    )
    return AccountHistory(
        account=account,
        strikes=strikes,
        cases=list(cases.values()),
        blocked_uploads=blocked,
        uploads_total=uploads_total or 0,
        sweeps=sweeps(db_session, account_id=account_id),
        confirmed_case_id=confirmed.id
        if (confirmed := confirmed_case_of(db_session, account_id))
        else None,
    )


def _named_by_a_case(db_session: Session, account_id: str) -> bool:
    """Whether a case names the account as its uploader's, or took down a copy it posted: a
    report can name an account no upload was ever scanned from, and its case links here."""
    from takedown.cases.models import Case

    return any(
        db_session.scalar(select(model.id).where(model.account_id == account_id).limit(1))
        is not None
        for model in (Case, CaseCopy)
    )


def _cases_as_uploader(db_session: Session, account_id: str) -> list[tuple[str, str, str]]:
    from takedown.cases.models import Case

    return [
        (row.id, row.status, row.category)
        for row in db_session.execute(
            select(Case.id, Case.status, Case.category)
            .where(Case.account_id == account_id)
            .order_by(Case.created_at.desc())
        )
    ]
