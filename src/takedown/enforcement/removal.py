"""Taking one content item down because of a case: the reported item (with the decision) or a
copy (by the copy-search job). Rows only, in the caller's transaction; the platform gets the
`content.remove` event from the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.cases.models import Case
from takedown.enforcement.copies import LedgerMatch
from takedown.enforcement.models import CaseCopy, EventType, MatchKind
from takedown.enforcement.outbox import enqueue
from takedown.transparency import service as statements
from takedown.transparency.schemas import AutomatedDecision, SourceType


@dataclass(frozen=True)
class RemovedItem:
    """A platform content item to take down because of a case: the reported one or a copy."""

    content_id: str
    account_id: str | None
    kind: MatchKind
    content_item_id: int | None = None  # its ledger row, if the platform scanned it
    media_type: str | None = None
    uploaded_at: datetime | None = None
    signal_type: str | None = None  # for a copy: what matched, and how closely
    distance: int | None = None

    @classmethod
    def copy(cls, match: LedgerMatch) -> RemovedItem:
        return cls(
            content_id=match.content_id,
            account_id=match.account_id,
            kind=match.kind,
            content_item_id=match.content_item_id,
            media_type=match.media_type,
            uploaded_at=match.scanned_at,
            signal_type=match.signal_type,
            distance=match.distance,
        )


def remove_item(
    db_session: Session,
    *,
    case: Case,
    decision_id: str | None,
    policy: str,
    item: RemovedItem,
    source: tuple[SourceType, bool] = (SourceType.VOLUNTARY, True),
    first_check_at: datetime | None = None,
    facts: str | None = None,
) -> None:
    """Record the removal (case copy), its statement of reasons and the platform's
    `content.remove` event, in the caller's transaction. `source`: the DSA source type and
    automated detection of the reported item; copies are found by hash matching.
    `first_check_at`: when to ask the platform whether the item is really down
    (removal_checks.first_check_at; None when the platform offers no status endpoint).
    `decision_id` None and `facts`: a removal before any decision (a hash match found live)."""
    is_copy = item.kind is not MatchKind.REPORTED
    db_session.add(
        CaseCopy(
            case_id=case.id,
            content_id=item.content_id,
            account_id=item.account_id,
            content_item_id=item.content_item_id,
            match_kind=item.kind.value,
            signal_type=item.signal_type,
            distance=item.distance,
            media_type=item.media_type,
            uploaded_at=item.uploaded_at,
            removed_at=clock.now(),
            next_removal_check_at=first_check_at,
        )
    )
    source_type, automated_detection = source
    statement = statements.record(
        db_session=db_session,
        case_id=case.id,
        decision_id=decision_id,
        content_id=item.content_id,
        account_id=item.account_id,
        restriction=statements.Restriction.CONTENT_REMOVED,
        category=case.category,
        policy=policy,
        media_type=item.media_type,
        content_date=item.uploaded_at,
        source_type=source_type,
        automated_detection=automated_detection,
        automated_decision=AutomatedDecision.FULLY if is_copy else AutomatedDecision.NOT_AUTOMATED,
        facts=facts
        or (_facts_for_copy(item.kind) if is_copy else _facts_for_reported(case, policy, source)),
    )
    enqueue(
        db_session=db_session,
        event_type=EventType.CONTENT_REMOVE,
        case_id=case.id,
        subject=item.content_id,
        data={
            "case_id": case.id,
            "content_id": item.content_id,
            "account_id": item.account_id,
            "match": {
                "kind": item.kind.value,
                "signal_type": item.signal_type,
                "distance": item.distance,
            },
            "category": case.category,
            "statement_of_reasons": statement.body,
        },
    )


def taken_down(db_session: Session, content_id: str) -> bool:
    """Whether any case has the content down (removed and not restored)."""
    return bool(
        db_session.scalar(
            select(
                exists().where(CaseCopy.content_id == content_id, CaseCopy.restored_at.is_(None))
            )
        )
    )


def already_removed(db_session: Session, case_id: str, content_id: str) -> bool:
    return (
        db_session.scalar(
            select(CaseCopy.id).where(
                CaseCopy.case_id == case_id, CaseCopy.content_id == content_id
            )
        )
        is not None
    )


def _facts_for_reported(case: Case, policy: str, source: tuple[SourceType, bool]) -> str:
    category = case.category.replace("_", " ")
    under = f" under the '{policy}' policy" if policy else ""
    source_type, automated_detection = source
    if source_type is not SourceType.VOLUNTARY:
        found = "was reported"
    elif automated_detection:
        found = "matched the hash of known material"
    else:  # an account sweep, say
        found = "was found by the platform's own review, not from a report or a hash list,"
    return (
        f"The content {found} and was reviewed by a trained reviewer, who confirmed it as "
        f"{category}{under}. The content was removed and its hashes were added to a block list "
        f"so that identical and near-identical copies are removed and blocked."
    )


def _facts_for_copy(kind: MatchKind) -> str:
    how = (
        "an identical copy (same file hash)"
        if kind is MatchKind.IDENTICAL
        else "a substantially similar copy (perceptual hash match)"
    )
    return (
        f"Automated hash matching found this content to be {how} of content that a trained "
        f"reviewer had confirmed as violating. The copy was removed on that basis."
    )
