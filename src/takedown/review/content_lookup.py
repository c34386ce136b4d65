"""Everything Takedown knows about one post, from its content id or its address: what platform
support needs when a user asks "why was my post removed?", and what a reviewer needs when a
reporter asks about a post by link.

The scans of it in the ledger (verdict, uploader, the banks that matched), and the cases about
it: as the reported content (a case's own, or a report that joined a case), or as a copy a case
took down, with whether it is down now. Child-safety cases are listed only for child-safety
reviewers and above; others are told how many they may not see, so they know to hand over.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from takedown.auth.models import User
from takedown.banks.models import Bank
from takedown.cases.models import Case
from takedown.content_urls import is_web_address, url_key
from takedown.enforcement.models import CaseCopy
from takedown.review.service import may_see_case
from takedown.scan.models import ContentItem, MatchEvent

SCANS_SHOWN = 20


@dataclass(frozen=True)
class ScanOfContent:
    item: ContentItem
    banks: list[str]  # the banks whose entries matched this scan


@dataclass(frozen=True)
class CaseAboutContent:
    case: Case
    content_id: str | None  # which of the looked-up posts it is about (None: by address only)
    reported: bool  # the case's content, or a report in it names the post
    removal: CaseCopy | None  # the case took the post down (as reported or as a copy)


@dataclass
class ContentLookup:
    query: str
    by_address: bool
    content_ids: list[str] = field(default_factory=list)
    scans: list[ScanOfContent] = field(default_factory=list)
    cases: list[CaseAboutContent] = field(default_factory=list)
    hidden_cases: int = 0  # child-safety cases the user may not see


def look_up_content(db_session: Session, *, query: str, user: User) -> ContentLookup:
    """The ledger's scans and the cases about the post a content id or an address names."""
    from takedown.reports.models import Report

    query = query.strip()
    by_address = is_web_address(query)
    lookup = ContentLookup(query=query, by_address=by_address)
    key = url_key(query) if by_address else None
    if key is not None:
        lookup.content_ids = sorted(
            set(db_session.scalars(select(ContentItem.content_id).where(_scanned_at(key))))
        )
    else:
        lookup.content_ids = [query]
    ids = lookup.content_ids
    items = db_session.scalars(
        select(ContentItem)
        .where(or_(ContentItem.content_id.in_(ids), _scanned_at(key)))
        .order_by(ContentItem.scanned_at.desc(), ContentItem.id.desc())
        .limit(SCANS_SHOWN)
    ).all()
    lookup.scans = [ScanOfContent(item, _banks_matched(db_session, item.id)) for item in items]

    reported: dict[str, str | None] = {}  # case id: the post it names
    for case_id, content_id in db_session.execute(
        select(Case.id, Case.content_id).where(
            or_(Case.content_id.in_(ids), Case.content_url_key == key if key else false())
        )
    ):
        reported[case_id] = content_id if content_id in ids else None
    for case_id, content_id in db_session.execute(
        select(Report.case_id, Report.content_id).where(Report.content_id.in_(ids))
    ):
        reported.setdefault(case_id, content_id)
    removals = {
        copy.case_id: copy
        for copy in db_session.scalars(
            select(CaseCopy).where(CaseCopy.content_id.in_(ids)).order_by(CaseCopy.id)
        )
    }
    case_ids = set(reported) | set(removals)
    cases = db_session.scalars(
        select(Case).where(Case.id.in_(case_ids)).order_by(Case.created_at.desc())
    ).all()
    for case in cases:
        if not may_see_case(user.role, case):
            lookup.hidden_cases += 1
            continue
        removal = removals.get(case.id)
        lookup.cases.append(
            CaseAboutContent(
                case=case,
                content_id=reported.get(case.id) or (removal.content_id if removal else None),
                reported=case.id in reported,
                removal=removal,
            )
        )
    return lookup


def _scanned_at(key: str | None) -> ColumnElement[bool]:
    return ContentItem.content_url_key == key if key else false()


def _banks_matched(db_session: Session, content_item_id: int) -> list[str]:
    return list(
        db_session.scalars(
            select(Bank.name)
            .join(MatchEvent, MatchEvent.bank_id == Bank.id)
            .where(MatchEvent.content_item_id == content_item_id)
            .distinct()
            .order_by(Bank.name)
        )
    )
