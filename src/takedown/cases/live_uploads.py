"""A live upload found to match a hash bank: a case, and the upload down at once if the bank blocks.

Three ways find one: the lookback (a hash banked after the upload was scanned, lookback/service.py),
a back-catalogue scan (`POST /v1/scan` with `published=true`: content that was public before
the platform scanned it), and an upload matching a fingerprint a reporter sent
(reports/fingerprints.py, found by cases/blocked_uploads.py). The upload may be up, so it opens a
case on Takedown's own initiative (no notice behind it; child sexual abuse material P0), or joins
the case of the reporter whose fingerprint it matched; and when a matching bank's
action is `block` (what it would have done at upload) the upload is removed at once, in the same
transaction: a `content.remove` event and a statement of reasons that says the removal was
automatic. The review confirms the removal (a violating decision keeps it down, removed once) or
restores the upload (a closing "no violation", enforcement.flows.reverse).
`TAKEDOWN_REMOVE_LIVE_MATCHES` turns the removal off.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record as audit
from takedown.banks.models import BankCategory, MatchAction
from takedown.cases.models import Case, Category
from takedown.reports.fingerprints import REPORTED_BANKS, closed_cases_fingerprinted_by
from takedown.reports.models import Channel
from takedown.scan.models import ContentItem
from takedown.settings import Settings

ACTOR = "system:live-uploads"
CASE_CATEGORY = {
    BankCategory.CSAM.value: Category.CHILD_SEXUAL_ABUSE,
    BankCategory.NCII.value: Category.NON_CONSENSUAL_INTIMATE_IMAGERY,
}


def case_matches(matches: list[Any]) -> list[Any]:
    """The matches that make a live upload a case: those in `csam` and `ncii` banks."""
    return [m for m in matches if m.category in CASE_CATEGORY]


def describe_match(match: Any) -> str:
    """A match in words for an explanation: "bank industry entry 12 (pdq at distance 4)"."""
    distance = f" at distance {match.distance}" if match.distance is not None else ""
    return f"bank {match.bank} entry {match.entry_id} ({match.signal_type}{distance})"


def open_case_for_live_upload(
    db_session: Session,
    settings: Settings,
    index: Any,
    item: ContentItem,
    found: list[Any],
    *,
    channel: Channel,
    how_found: str,
) -> str:
    """Open (or join) the case for a live upload matching `found` (case_matches), and take it
    down at once if a matching bank blocks; the case id. `how_found` starts the explanation."""
    from takedown.cases.service import more_severe_category
    from takedown.reports.flows import report_scanned_upload

    category = CASE_CATEGORY[found[0].category]
    for match in found[1:]:
        category = Category(more_severe_category(category, CASE_CATEGORY[match.category]))
    matches = "; ".join(describe_match(m) for m in found)
    blocking = [m for m in found if m.action == MatchAction.BLOCK.value]
    removing = bool(blocking) and settings.remove_live_matches
    fingerprinted = tuple(m.entry_id for m in found if m.bank in REPORTED_BANKS)
    decided_before = "".join(
        f" The fingerprint came with case {case.id}, closed: {case.status.replace('_', ' ')}."
        for case in closed_cases_fingerprinted_by(db_session, fingerprinted)
    )
    answer = report_scanned_upload(
        db_session=db_session,
        settings=settings,
        index=index,
        item=item,
        category=category,
        channel=channel,
        explanation=(
            f"{how_found}: {matches}.{decided_before}"
            + (
                " Removed at once, as the bank would have blocked it at upload; the review"
                " confirms the removal or restores it."
                if removing
                else ""
            )
        ),
        # Per upload and what matched: finding it again by the same entries is a replay, and a
        # later finding by other entries (a block bank after a review bank) is news.
        idempotency_key=(
            f"{channel.value.replace('_', '-')}:{item.scan_id}:"
            + ",".join(str(m.entry_id) for m in sorted(found, key=lambda m: m.entry_id))
        ),
        bank_match=len(fingerprinted) < len(found),
        fingerprint_entries=fingerprinted,
    )
    case_id = str(answer.body["case_id"])
    if removing and not answer.replayed:
        _remove_now(db_session, settings, case_id, item, blocking[0])
    return case_id


def _remove_now(
    db_session: Session, settings: Settings, case_id: str, item: ContentItem, match: Any
) -> None:
    from takedown.enforcement.models import MatchKind
    from takedown.enforcement.removal import RemovedItem, already_removed, remove_item
    from takedown.enforcement.removal_checks import first_check_at
    from takedown.signals.base import MatchKind as SignalMatch
    from takedown.signals.registry import get_signal_type

    case = db_session.get(Case, case_id)
    if case is None or already_removed(db_session, case.id, item.content_id):
        return
    exact = get_signal_type(match.signal_type).match_kind is SignalMatch.EXACT
    known = CASE_CATEGORY[match.category].value.replace("_", " ")
    remove_item(
        db_session,
        case=case,
        decision_id=None,
        policy=f"hash bank {match.bank}",
        item=RemovedItem(
            content_id=item.content_id,
            account_id=item.account_id,
            kind=MatchKind.IDENTICAL if exact else MatchKind.SIMILAR,
            content_item_id=item.id,
            media_type=item.media_type,
            uploaded_at=item.scanned_at,
            signal_type=match.signal_type,
            distance=match.distance,
        ),
        first_check_at=first_check_at(settings, clock.now()),
        facts=(
            f"The content matched the hash of known {known} in the hash list '{match.bank}', "
            "which blocks such uploads; the content was public before the match was found. It "
            "was removed automatically, and a trained reviewer reviews the case: the removal is "
            "confirmed or the content is restored."
        ),
    )
    audit(
        db_session=db_session,
        actor=ACTOR,
        action="live_upload.removed",
        subject=case.id,
        details={
            "content_id": item.content_id,
            "scan_id": item.scan_id,
            "bank": match.bank,
            "entry_id": match.entry_id,
            "signal_type": match.signal_type,
            "distance": match.distance,
        },
    )
