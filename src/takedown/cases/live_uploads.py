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

Content reviewers already cleared (a closing "no violation", or a removal overturned on appeal, of
the same content id with the same media) is not taken down again by a re-scan: the back-catalogue
path opens a case only when an entry banked after that decision matches (`cleared_before`), and
never removes it before review.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record as audit
from takedown.banks.models import BankCategory, MatchAction
from takedown.cases.models import Case, CaseStatus, Category, Outcome
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


# The hashes that say two files are the same media (not merely similar).
SAME_MEDIA = ("sha256", "md5", "video_md5")


def cleared_before(db_session: Session, item: ContentItem) -> Case | None:
    """The latest closed case that decided this content does not violate (a final "no
    violation", or a removal overturned on appeal): the same content id and the same media
    (an identical exact hash in the case's media or the content's scans before the decision)."""
    exact = {
        (s.get("type"), s.get("value")) for s in item.signals or [] if s.get("type") in SAME_MEDIA
    }
    if not exact or not item.content_id:
        return None
    cases = db_session.scalars(
        select(Case)
        .where(
            Case.content_id == item.content_id,
            Case.status == CaseStatus.NO_ACTION.value,
            Case.outcome == Outcome.NO_VIOLATION.value,
        )
        .order_by(Case.decided_at.desc())
        .limit(20)
    )
    for case in cases:
        if exact & _media_decided(db_session, case, item):
            return case
    return None


def news_since_cleared(
    db_session: Session, item: ContentItem, found: list[Any]
) -> tuple[list[Any], Case | None]:
    """Reviewers decided this very content does not violate: a later match does not overrule
    them. Only an entry banked since their decision is news for a reviewer (a case, the content
    left up meanwhile). The matches still worth a case, and the case that cleared it, if any."""
    cleared = cleared_before(db_session, item)
    if cleared is None:
        return found, None
    return banked_since(db_session, found, decided_at(cleared)), cleared


def decided_at(case: Case) -> datetime:
    """When the case's last decision closed it (an appeal's outcome comes after `decided_at`)."""
    moments = [t for t in (case.decided_at, case.closed_at) if t is not None]
    return max(moments, default=case.created_at)


def _media_decided(db_session: Session, case: Case, item: ContentItem) -> set[tuple[Any, Any]]:
    """The exact hashes of the media the case decided on: its own media, and the content's
    scans up to the decision (not a later scan of other media under the same content id)."""
    from takedown.cases.models import CaseMedia

    signals: list[dict[str, Any]] = []
    for media in db_session.scalars(select(CaseMedia).where(CaseMedia.case_id == case.id)):
        signals.extend(media.signals or [])
    for scanned in db_session.scalars(
        select(ContentItem)
        .where(
            ContentItem.content_id == item.content_id,
            ContentItem.scanned_at <= decided_at(case),
        )
        .order_by(ContentItem.id.desc())
        .limit(5)
    ):
        signals.extend(scanned.signals or [])
    return {(s.get("type"), s.get("value")) for s in signals if s.get("type") in SAME_MEDIA}


def banked_since(db_session: Session, found: list[Any], moment: datetime) -> list[Any]:
    """The matches whose bank entry was added after `moment`."""
    from takedown.banks.models import BankEntry

    later = set(
        db_session.scalars(
            select(BankEntry.id).where(
                BankEntry.id.in_([m.entry_id for m in found]), BankEntry.added_at > moment
            )
        )
    )
    return [m for m in found if m.entry_id in later]


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
    may_remove: bool = True,
) -> str:
    """Open (or join) the case for a live upload matching `found` (case_matches), and take it
    down at once if a matching bank blocks (and `may_remove`); the case id. `how_found` starts
    the explanation."""
    from takedown.cases.service import more_severe_category
    from takedown.reports.flows import report_scanned_upload

    category = CASE_CATEGORY[found[0].category]
    for match in found[1:]:
        category = Category(more_severe_category(category, CASE_CATEGORY[match.category]))
    matches = "; ".join(describe_match(m) for m in found)
    blocking = [m for m in found if m.action == MatchAction.BLOCK.value]
    removing = bool(blocking) and settings.remove_live_matches and may_remove
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
