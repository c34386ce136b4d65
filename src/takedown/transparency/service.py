"""Build, store and export statements of reasons for every restriction Takedown orders."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.ids import new_id
from takedown.transparency.models import StatementRecord
from takedown.transparency.schemas import (
    EU_MEMBER_STATES,
    MAX_BATCH,
    AutomatedDecision,
    AutomatedDetection,
    ContentType,
    DecisionAccount,
    DecisionGround,
    DecisionVisibility,
    Keyword,
    SourceType,
    StatementCategory,
    StatementOfReasons,
)


@dataclass(frozen=True)
class Grounds:
    ground: DecisionGround
    legal_ground: str
    explanation: str
    category: StatementCategory
    keywords: tuple[Keyword, ...]


# Case category -> the DSA database's ground, category and keywords. The legal grounds cite EU law;
# national transpositions apply in each Member State.
GROUNDS: dict[str, Grounds] = {
    "child_sexual_abuse": Grounds(
        DecisionGround.ILLEGAL_CONTENT,
        "Directive 2011/93/EU, Art 5 (child sexual abuse material) and its national transpositions",
        "The content depicts the sexual abuse of a child. Its possession and distribution are "
        "criminal offences in every Member State.",
        StatementCategory.PROTECTION_OF_MINORS,
        (Keyword.CHILD_SEXUAL_ABUSE_MATERIAL,),
    ),
    "child_sexual_exploitation": Grounds(
        DecisionGround.ILLEGAL_CONTENT,
        "Directive 2011/93/EU, Art 6 (solicitation of children for sexual purposes)",
        "The content solicits or exploits a child for sexual purposes.",
        StatementCategory.PROTECTION_OF_MINORS,
        (Keyword.GROOMING_SEXUAL_ENTICEMENT_MINORS,),
    ),
    "non_consensual_intimate_imagery": Grounds(
        DecisionGround.ILLEGAL_CONTENT,
        "Directive (EU) 2024/1385, Art 5 (non-consensual sharing of intimate or manipulated "
        "material)",
        "The content is intimate imagery of a person shared without their consent.",
        StatementCategory.NON_CONSENSUAL_BEHAVIOUR,
        (Keyword.NON_CONSENSUAL_IMAGE_SHARING,),
    ),
    "other_illegal": Grounds(
        DecisionGround.ILLEGAL_CONTENT,
        "The law of the Member State where the content is accessible",
        "The content was assessed as illegal under the applicable law.",
        StatementCategory.ILLEGAL_OR_HARMFUL_SPEECH,
        (),
    ),
    "terms_violation": Grounds(
        DecisionGround.INCOMPATIBLE_CONTENT,
        "The platform's terms of service",
        "The content is incompatible with the platform's terms of service.",
        StatementCategory.SCOPE_OF_PLATFORM_SERVICE,
        (),
    ),
}


class Restriction:
    CONTENT_REMOVED = "content.remove"
    CONTENT_BLOCKED = "content.block"  # an upload refused at scan, before anyone saw it
    ACCOUNT_SUSPENDED = "account.suspend"


# A hash bank's category -> the report category whose legal grounds a blocked upload cites.
BANK_CATEGORY_GROUNDS = {
    "csam": "child_sexual_abuse",
    "ncii": "non_consensual_intimate_imagery",
    "other": "other_illegal",
}


def content_type_for(media_type: str | None) -> ContentType:
    return {"image": ContentType.IMAGE, "video": ContentType.VIDEO}.get(
        media_type or "", ContentType.OTHER
    )


def build(
    *,
    puid: str,
    category: str,
    policy: str,
    restriction: str,
    media_type: str | None,
    content_date: datetime | None,
    application_date: datetime,
    source_type: SourceType,
    automated_detection: bool,
    automated_decision: AutomatedDecision,
    facts: str,
) -> StatementOfReasons:
    """A validated statement. Facts are Takedown's own wording: no reporter or user data (the
    database must hold no personal data, DSA Art 24(5))."""
    grounds = GROUNDS.get(category, GROUNDS["other_illegal"])
    fields: dict[str, Any] = {
        "decision_ground": grounds.ground,
        "category": grounds.category,
        "category_specification": list(grounds.keywords) or None,
        "content_type": [content_type_for(media_type)],
        "territorial_scope": list(EU_MEMBER_STATES),
        "content_date": (content_date or application_date).date(),
        "application_date": application_date.date(),
        "decision_facts": facts[:5000],
        "source_type": source_type,
        "automated_detection": AutomatedDetection.YES
        if automated_detection
        else AutomatedDetection.NO,
        "automated_decision": automated_decision,
        "puid": puid,
    }
    if content_type_for(media_type) is ContentType.OTHER:
        fields["content_type"] = [ContentType.OTHER]
        fields["content_type_other"] = (
            "an account (its uploads, whatever their kind)"
            if restriction == Restriction.ACCOUNT_SUSPENDED
            else "content reported by its address or id, whose kind Takedown was not told"
        )
    if restriction == Restriction.ACCOUNT_SUSPENDED:
        fields["decision_account"] = DecisionAccount.SUSPENDED
    elif restriction == Restriction.CONTENT_BLOCKED:
        fields["decision_visibility"] = [DecisionVisibility.CONTENT_DISABLED]
    else:
        fields["decision_visibility"] = [DecisionVisibility.CONTENT_REMOVED]
    if grounds.ground is DecisionGround.ILLEGAL_CONTENT:
        fields["illegal_content_legal_ground"] = grounds.legal_ground
        fields["illegal_content_explanation"] = grounds.explanation
    else:
        fields["incompatible_content_ground"] = (policy or grounds.legal_ground)[:500]
        fields["incompatible_content_explanation"] = grounds.explanation
    return StatementOfReasons(**fields)


def record(
    *,
    db_session: Session,
    case_id: str | None,
    decision_id: str | None,
    content_id: str | None,
    account_id: str | None,
    restriction: str,
    category: str,
    policy: str,
    media_type: str | None,
    content_date: datetime | None,
    source_type: SourceType,
    automated_detection: bool,
    automated_decision: AutomatedDecision,
    facts: str,
) -> StatementRecord:
    """Build, validate and store one statement (its id is its puid)."""
    now = clock.now()
    puid = new_id("sor")
    statement = build(
        puid=puid,
        category=category,
        policy=policy,
        restriction=restriction,
        media_type=media_type,
        content_date=content_date,
        application_date=now,
        source_type=source_type,
        automated_detection=automated_detection,
        automated_decision=automated_decision,
        facts=facts,
    )
    row = StatementRecord(
        id=puid,
        case_id=case_id,
        decision_id=decision_id,
        content_id=content_id,
        account_id=account_id,
        restriction=restriction,
        body=statement.api_json(),
        status="pending",
        created_at=now,
    )
    db_session.add(row)
    db_session.flush()
    return row


def record_blocked_upload(
    *,
    db_session: Session,
    content_id: str,
    account_id: str,
    media_type: str,
    bank_name: str,
    bank_category: str,
    signal_type: str,
) -> StatementRecord:
    """The statement for an upload blocked at scan by a hash-bank match (fully automated)."""
    category = BANK_CATEGORY_GROUNDS.get(bank_category, "other_illegal")
    return record(
        db_session=db_session,
        case_id=None,
        decision_id=None,
        content_id=content_id,
        account_id=account_id,
        restriction=Restriction.CONTENT_BLOCKED,
        category=category,
        policy=f"hash bank {bank_name}",
        media_type=media_type,
        content_date=None,
        source_type=SourceType.VOLUNTARY,
        automated_detection=True,
        automated_decision=AutomatedDecision.FULLY,
        facts=(
            f"The upload matched the hash bank '{bank_name}' of known {category.replace('_', ' ')}"
            f" material by its {signal_type} signal and was blocked before publication."
        ),
    )


def statements_between(
    *, db_session: Session, start: datetime | None = None, end: datetime | None = None
) -> Iterator[StatementRecord]:
    query = select(StatementRecord).order_by(StatementRecord.created_at, StatementRecord.id)
    if start is not None:
        query = query.where(StatementRecord.created_at >= start)
    if end is not None:
        query = query.where(StatementRecord.created_at < end)
    yield from db_session.scalars(query.execution_options(yield_per=MAX_BATCH))


def export_batches(
    *, db_session: Session, start: datetime | None = None, end: datetime | None = None
) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """{"statements": [...]} bodies of at most 100, ready for the database's batch endpoint."""
    batch: list[dict[str, Any]] = []
    for row in statements_between(db_session=db_session, start=start, end=end):
        batch.append(row.body)
        if len(batch) == MAX_BATCH:
            yield {"statements": batch}
            batch = []
    if batch:
        yield {"statements": batch}
