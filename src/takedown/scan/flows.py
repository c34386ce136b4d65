"""The upload scan: hash, match against the banks, decide, and record it in the content ledger.

Route → `scan_upload` → signals (hashing) + index (matching) + ledger rows, all in the request's
transaction, so an answer means the ledger row and its match events are durable.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Integer,
    Select,
    String,
    Table,
    bindparam,
    func,
    insert,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from takedown import clock
from takedown.accounts.holds import HoldingStrike, strike_holding_uploads
from takedown.banks.models import MatchAction
from takedown.banks.service import normalise_entry
from takedown.cases.live_uploads import CASE_CATEGORY
from takedown.content_urls import url_key
from takedown.errors import TakedownError
from takedown.ids import new_id
from takedown.index.segments import is_keypoint_type, is_multi_row_type, is_video_type
from takedown.index.service import IndexHit
from takedown.media import DecodedMedia
from takedown.scan import metrics
from takedown.scan.cross_media import match_across_media
from takedown.scan.models import ContentItem, ContentSignal, MatchEvent, Verdict
from takedown.scan.quality_gate import low_quality, min_quality
from takedown.settings import Settings
from takedown.signals import keypoints, normalise
from takedown.signals.keypoints import PDQ_CROP
from takedown.signals.regions import PDQ_NORM
from takedown.signals.video_regions import VpdqNormSignal
from takedown.signals.vpdq import parse_vpdq

# Hash exchanges ship whole-picture PDQs and whole-frame vPDQs only, so an upload's trimmed
# picture (letterbox, padding and screenshot chrome cut away: pdq_norm) with its de-rotations, and
# a video's trimmed frames (vpdq_norm), are also compared with banked pdq and vpdq entries, under
# that type's own quality gate and threshold; such a match names the pdq or vpdq entry with the
# variant "trimmed" (bench/RESULTS.md, "Match quality", hash-only banks).
ALSO_MATCHED_AS = {PDQ_NORM: "pdq", VpdqNormSignal.name: "vpdq"}
log = logging.getLogger(__name__)
VIDEO_FRAME_SIGNAL = "vpdq"  # one ContentSignal row per sampled frame, value = that frame's PDQ
LEDGER_VALUE_MAX = 128  # ContentSignal.value's width
# The ledger's inserts, built once for the scan path (see `_record`).
_CONTENT_ITEMS = cast(Table, ContentItem.__table__)
_CONTENT_SIGNALS = cast(Table, ContentSignal.__table__)
_MATCH_EVENTS = cast(Table, MatchEvent.__table__)
INSERT_CONTENT_ITEM = insert(_CONTENT_ITEMS).returning(_CONTENT_ITEMS.c.id)
INSERT_CONTENT_SIGNALS = insert(_CONTENT_SIGNALS)
INSERT_MATCH_EVENTS = insert(_MATCH_EVENTS)
_ITEM_COLUMNS = (
    "scan_id",
    "content_id",
    "account_id",
    "content_url",
    "content_url_key",
    "filename",
    "media_type",
    "size_bytes",
    "verdict",
    "signals",
    "scanned_at",
    "published",
)


def _ledger_in_one_statement() -> Select[int]:
    """PostgreSQL: the ledger row, its signals and its match events in one statement (data-
    modifying CTEs; the rows of each child table as arrays, unnested), returning the row's id.

    One round trip instead of three: over a socket each costs more than the insert itself.
    """
    item = (
        insert(_CONTENT_ITEMS)
        .values(
            {name: bindparam(name, type_=_CONTENT_ITEMS.c[name].type) for name in _ITEM_COLUMNS}
        )
        .returning(_CONTENT_ITEMS.c.id)
        .cte("item")
    )
    signal_rows = (
        func.unnest(
            bindparam("signal_types", type_=ARRAY(String)),
            bindparam("signal_values", type_=ARRAY(String)),
            bindparam("signal_qualities", type_=ARRAY(Integer)),
        )
        .table_valued("signal_type", "value", "quality")
        .render_derived(name="signal_rows")
    )
    signals = (
        insert(_CONTENT_SIGNALS)
        .from_select(
            ["content_item_id", "signal_type", "value", "quality"],
            select(
                item.c.id, signal_rows.c.signal_type, signal_rows.c.value, signal_rows.c.quality
            ).select_from(item.join(signal_rows, true())),
        )
        .cte("signals")
    )
    match_rows = (
        func.unnest(
            bindparam("match_bank_ids", type_=ARRAY(BigInteger)),
            bindparam("match_entry_ids", type_=ARRAY(BigInteger)),
            bindparam("match_signal_types", type_=ARRAY(String)),
            bindparam("match_distances", type_=ARRAY(Integer)),
            bindparam("match_actions", type_=ARRAY(String)),
        )
        .table_valued("bank_id", "entry_id", "signal_type", "distance", "action")
        .render_derived(name="match_rows")
    )
    events = (
        insert(_MATCH_EVENTS)
        .from_select(
            [
                "content_item_id",
                "bank_id",
                "entry_id",
                "signal_type",
                "distance",
                "action",
                "matched_at",
            ],
            select(
                item.c.id,
                match_rows.c.bank_id,
                match_rows.c.entry_id,
                match_rows.c.signal_type,
                match_rows.c.distance,
                match_rows.c.action,
                bindparam("matched_at", type_=_MATCH_EVENTS.c.matched_at.type),
            ).select_from(item.join(match_rows, true())),
        )
        .cte("events")
    )
    return select(item.c.id).add_cte(signals, events)


LEDGER_IN_ONE_STATEMENT = _ledger_in_one_statement()


@dataclass(frozen=True)
class Match:
    bank: str
    bank_id: int
    entry_id: int
    signal_type: str
    distance: int | None
    action: str
    category: str
    variant: str | None = None
    query_match_percent: float | None = None  # vPDQ: share of the upload's frames matched
    index_match_percent: float | None = None  # vPDQ: share of the banked video's frames matched

    def as_dict(self) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "bank": self.bank,
            "entry_id": self.entry_id,
            "signal_type": self.signal_type,
            "distance": self.distance,
            "action": self.action,
            "category": self.category,
        }
        if self.variant:
            answer["variant"] = self.variant
        if self.query_match_percent is not None:
            answer["query_match_percent"] = round(self.query_match_percent, 1)
            answer["index_match_percent"] = round(self.index_match_percent or 0.0, 1)
        return answer


@dataclass
class MatchOutcome:
    matches: list[Match] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> Verdict:
        return verdict_for(self.matches)


@dataclass
class ScanResult:
    content_id: str
    scan_id: str
    media_type: str
    signals: list[dict[str, Any]]
    matches: list[Match]
    verdict: Verdict
    notes: list[str]
    hash_seconds: float
    content_item_id: int
    statement_of_reasons: dict[str, Any] | None = None
    case_id: str | None = None  # published: the case a csam or ncii match opened or joined


def verdict_for(matches: Iterable[Match]) -> Verdict:
    """Block if any match is in a block bank, review if any is in a review bank, else allow."""
    actions = {m.action for m in matches}
    if MatchAction.BLOCK in actions:
        return Verdict.BLOCK
    if MatchAction.REVIEW in actions:
        return Verdict.REVIEW
    return Verdict.ALLOW


def match_signals(
    *,
    index: Any,
    settings: Settings,
    signals: list[dict[str, Any]],
    media: DecodedMedia | None = None,
) -> MatchOutcome:
    """Query the index with every signal (every PDQ variant); low-quality PDQ exactly only.

    `pdq_crop` is confirmed on the picture itself, so it is matched only when the decoded
    `media` is given (a scan); elsewhere (a hash sent alone) it is left out, and the notes say so.
    """
    return match_uploads(index=index, settings=settings, uploads=[signals], media=[media])[0]


def match_uploads(
    *,
    index: Any,
    settings: Settings,
    uploads: Sequence[list[dict[str, Any]]],
    media: Sequence[DecodedMedia | None] | None = None,
) -> list[MatchOutcome]:
    """`match_signals` for several uploads at once (the lookback matches the ledger again).

    The hashes of one type, of every upload, go to the index in one batch (`query_many`); hits are
    then taken in each upload's signals' order, so which variant names a match does not depend on
    the batching.
    """
    outcomes = [MatchOutcome() for _ in uploads]
    bests: list[dict[int, Match]] = [{} for _ in uploads]
    batches: dict[tuple[str, bool], list[str]] = defaultdict(list)
    # (upload, variant, batch, position in the batch)
    queued: list[tuple[int, str | None, tuple[str, bool], int]] = []

    held: dict[str, bool] = {}  # whether the index has any row of a type (no row: no query)

    def enqueue(upload: int, table: str, value: str, exact_only: bool, variant: str | None) -> None:
        if table not in held:
            held[table] = index.holds(table)
        if not held[table]:
            return
        batch = batches[(table, exact_only)]
        queued.append((upload, variant, (table, exact_only), len(batch)))
        batch.append(value)

    for upload, signals in enumerate(uploads):
        exact_only_noted: set[str] = set()
        for signal in signals:
            signal_type = str(signal.get("type", ""))
            if is_multi_row_type(signal_type):
                continue
            value = signal.get("value")
            if not isinstance(value, str) or not value:
                continue
            exact_only = low_quality(signal, settings)
            if exact_only and signal_type not in exact_only_noted:
                exact_only_noted.add(signal_type)
                outcomes[upload].notes.append(
                    f"{signal_type} quality {signal.get('quality')} is below "
                    f"{min_quality(signal_type, settings)}: matched exactly only"
                )
            variant = signal.get("variant")
            enqueue(upload, signal_type, value, exact_only, str(variant) if variant else None)
            also = ALSO_MATCHED_AS.get(signal_type)
            if also is not None:
                # Under the other type's own quality gate, as its own hashes are.
                enqueue(
                    upload,
                    also,
                    value,
                    low_quality({**signal, "type": also}, settings),
                    ", ".join(part for part in ("trimmed", variant) if part),
                )
    answers = {
        key: index.query_many(key[0], values, exact_only=key[1]) for key, values in batches.items()
    }
    for upload, variant, key, position in queued:
        for hit in answers[key][position]:
            _keep(bests[upload], index, hit, variant)
    for upload, signals in enumerate(uploads):
        best, decoded = bests[upload], media[upload] if media else None
        for signal in signals:
            signal_type = str(signal.get("type", ""))
            if is_video_type(signal_type):
                variant = signal.get("variant")
                _match_video(index, signal, best, variant=str(variant) if variant else None)
                also = ALSO_MATCHED_AS.get(signal_type)
                if also is not None:
                    _match_video(index, {**signal, "type": also}, best, variant="trimmed")
            elif is_keypoint_type(signal_type):
                if decoded is not None and decoded.image is not None:
                    _match_crop(index, signal, decoded, best)
                else:
                    outcomes[upload].notes.append(
                        f"{signal_type} is matched only when the picture is scanned"
                    )
        match_across_media(index, signals, settings, partial(_keep, best, index))
        outcomes[upload].matches = sorted(
            best.values(), key=lambda m: (m.distance or 0, m.entry_id)
        )
    return outcomes


def _keep(best: dict[int, Match], index: Any, hit: Any, variant: Any) -> None:
    bank = index.banks.get(hit.bank_id)
    if bank is None or not getattr(bank, "enabled", True):
        return
    previous = best.get(hit.entry_id)
    distance = getattr(hit, "distance", None)
    if previous is not None and (previous.distance or 0) <= (distance or 0):
        return
    best[hit.entry_id] = Match(
        bank=bank.name,
        bank_id=hit.bank_id,
        entry_id=hit.entry_id,
        signal_type=getattr(hit, "signal_type", "vpdq"),
        distance=distance,
        action=bank.action,
        category=bank.category,
        variant=str(variant) if variant and variant != "original" else None,
        query_match_percent=getattr(hit, "query_match_percent", None),
        index_match_percent=getattr(hit, "index_match_percent", None),
    )


def video_frames(signal: dict[str, Any]) -> list[tuple[str, int | None]]:
    """(frame PDQ hex, quality) of a vPDQ signal; [] if its value cannot be read."""
    try:
        frames = parse_vpdq(str(signal.get("value") or "[]"))
    except ValueError:
        return []
    return [(frame.hash.lower(), frame.quality) for frame in frames]


def _match_video(
    index: Any, signal: dict[str, Any], best: dict[int, Match], *, variant: str | None = None
) -> None:
    """Bank videos of the signal's type matching its frames under the vPDQ rule (share of query
    and of bank frames matched)."""
    value = signal.get("value")
    if not isinstance(value, str) or not video_frames(signal):
        return
    for hit in index.query_video(value, signal_type=str(signal.get("type", VIDEO_FRAME_SIGNAL))):
        _keep(best, index, hit, variant)


def _match_crop(
    index: Any, signal: dict[str, Any], media: DecodedMedia, best: dict[int, Match]
) -> None:
    """Bank pictures found inside the upload by keypoints and confirmed by PDQ (keypoints.py)."""
    try:
        upload = keypoints.parse(str(signal.get("value") or ""))
    except ValueError:
        return
    neighbours = index.query_keypoints(
        PDQ_CROP,
        keypoints.descriptor_words(upload.descriptors),
        radius=keypoints.DESCRIPTOR_RADIUS,
        neighbours=keypoints.NEIGHBOURS,
    )
    pixels = normalise.trimmed_upload(media)
    for found in keypoints.match_upload(pixels, upload, neighbours, index.entry_values):
        bank = index.banks.get(found.bank_id)
        if bank is None or found.distance > bank.threshold(PDQ_CROP):
            continue
        hit = IndexHit(found.entry_id, found.bank_id, PDQ_CROP, found.distance)
        _keep(best, index, hit, found.variant)


def ledger_signals(signals: list[dict[str, Any]]) -> list[tuple[str, str, int | None]]:
    """(type, value, quality) rows to store: each exact signal, each PDQ-family hash in its
    original orientation, and every frame PDQ of a video (as `vpdq`, one row a frame)."""
    rows: list[tuple[str, str, int | None]] = []
    seen: set[tuple[str, str]] = set()
    for signal in signals:
        signal_type = str(signal.get("type", ""))
        if signal_type == VIDEO_FRAME_SIGNAL and signal.get("variant") is None:
            candidates = [(signal_type, v, q) for v, q in video_frames(signal)]
        else:
            variant = signal.get("variant")
            if variant not in (None, "original"):
                continue  # the query side carries the variants; the ledger keeps the upload
            value = signal.get("value")
            if not isinstance(value, str) or not value or len(value) > LEDGER_VALUE_MAX:
                continue
            quality = signal.get("quality")
            candidates = [(signal_type, value, int(quality) if quality is not None else None)]
        for kind, value, quality in candidates:
            if (kind, value) not in seen:
                seen.add((kind, value))
                rows.append((kind, value, quality))
    return rows


def scan_upload(
    *,
    db_session: Session,
    settings: Settings,
    index: Any,
    data: bytes,
    content_id: str,
    account_id: str | None = None,
    content_url: str | None = None,
    filename: str | None = None,
    published: bool = False,
) -> ScanResult:
    """Hash, match, decide; write the ledger row, its signals and match events in this session.

    `published`: the content is already public (a back-catalogue scan). A csam or ncii match then
    opens its case in this transaction, and a block bank's match takes it down at once
    (cases/live_uploads.py); the blocked-upload job and statement are for uploads never shown."""
    from takedown.signals.service import hash_media

    started = time.perf_counter()
    # Keypoints are a quarter of an image's hashing and meet only banked `pdq_crop` rows; a
    # deployment whose banks hold none (hash lists from exchanges) does not pay for them.
    skip = () if index.holds(PDQ_CROP) else (PDQ_CROP,)
    hashed = hash_media(data, settings=settings, filename=filename, skip=skip)
    hash_seconds = time.perf_counter() - started
    signals = [dict(s) for s in hashed.signals]
    outcome = match_signals(index=index, settings=settings, signals=signals, media=hashed.media)
    # The keypoints (about 12 KB a picture) have done their work in matching; the ledger and the
    # answer leave them out (POST /v1/hash returns them for banking).
    signals = [s for s in signals if not is_keypoint_type(str(s.get("type", "")))]
    matched = time.perf_counter()
    media_type = str(getattr(hashed.media_type, "value", hashed.media_type))
    verdict = outcome.verdict
    holding = None
    # Not when a bank already blocks it, or holds it for Takedown's review (its case opens then).
    held_by_bank = any(m.category in CASE_CATEGORY for m in outcome.matches)
    if verdict != Verdict.BLOCK and not held_by_bank and account_id and not published:
        holding = strike_holding_uploads(
            db_session, account_id, settings.hold_uploads_after_strike_days
        )
    if holding is not None:
        verdict = Verdict.REVIEW
        outcome.notes.append(
            f"held for review: the account's upload was confirmed as "
            f"{holding.category.replace('_', ' ')} in case {holding.case_id} on "
            f"{holding.created_at:%Y-%m-%d}"
        )
    now = clock.now()
    scan_id = new_id("scan")
    item_id = _record(
        db_session,
        item={
            "scan_id": scan_id,
            "content_id": content_id,
            "account_id": account_id,
            "content_url": content_url,
            "content_url_key": url_key(content_url) if content_url else None,
            "filename": (filename or "")[:255] or None,
            "media_type": media_type,
            "size_bytes": len(data),
            "verdict": verdict.value,
            "signals": signals,
            "scanned_at": now,
            "published": published,
        },
        signals=ledger_signals(signals),
        matches=outcome.matches,
        now=now,
    )
    statement, case_id = None, None
    if published:
        case_id = _case_for_published(db_session, settings, index, item_id, outcome.matches)
    elif holding is not None:
        case_id = _case_for_held_account(db_session, settings, index, item_id, holding)
    else:
        statement = _statement_for_block(
            db_session,
            verdict=verdict,
            content_id=content_id,
            account_id=account_id,
            media_type=media_type,
            matches=outcome.matches,
        )
    metrics.HASH_SECONDS.observe(hash_seconds)
    metrics.MATCH_SECONDS.observe(matched - started - hash_seconds)
    metrics.SCANS.labels(verdict=verdict.value, media_type=media_type).inc()
    for m in outcome.matches:
        metrics.MATCHES.labels(bank=m.bank).inc()
    return ScanResult(
        content_id=content_id,
        scan_id=scan_id,
        media_type=media_type,
        signals=signals,
        matches=outcome.matches,
        verdict=verdict,
        notes=outcome.notes,
        hash_seconds=hash_seconds,
        content_item_id=item_id,
        statement_of_reasons=statement,
        case_id=case_id,
    )


def _case_for_published(
    db_session: Session, settings: Settings, index: Any, item_id: int, matches: list[Match]
) -> str | None:
    from takedown.cases.live_uploads import (
        case_matches,
        news_since_cleared,
        open_case_for_live_upload,
    )
    from takedown.reports.models import Channel

    found = case_matches(matches)
    if not found:
        return None
    item = db_session.get(ContentItem, item_id)
    assert item is not None  # inserted above, in this transaction
    how_found = (
        f"Public before it was scanned (back-catalogue scan {item.scan_id} at "
        f"{item.scanned_at:%Y-%m-%d %H:%M:%S} UTC), and matching"
    )
    found, cleared = news_since_cleared(db_session, item, found)
    if cleared is not None:
        if not found:
            log.info("published scan %s: cleared in case %s", item.scan_id, cleared.id)
            return None
        how_found = f"Cleared in case {cleared.id}, then {how_found[0].lower()}{how_found[1:]}"
        how_found += " hashes banked since"
    try:
        with db_session.begin_nested():  # the scan is recorded and answered whatever happens here
            return open_case_for_live_upload(
                db_session,
                settings,
                index,
                item,
                found,
                channel=Channel.BACK_CATALOGUE,
                how_found=how_found,
                may_remove=cleared is None,
            )
    except TakedownError as exc:
        log.error("no case for published scan %s: %s", item.scan_id, exc.detail)
        return None


def _case_for_held_account(
    db_session: Session, settings: Settings, index: Any, item_id: int, strike: HoldingStrike
) -> str | None:
    """An upload held because of its account's recent strike (accounts/holds.py): its case."""
    from takedown.cases.models import Category
    from takedown.reports.flows import report_scanned_upload
    from takedown.reports.models import Channel

    item = db_session.get(ContentItem, item_id)
    assert item is not None  # inserted above, in this transaction
    try:
        with db_session.begin_nested():  # the scan is recorded and answered whatever happens here
            answer = report_scanned_upload(
                db_session=db_session,
                settings=settings,
                index=index,
                item=item,
                category=Category(strike.category),
                channel=Channel.ACCOUNT_HOLD,
                explanation=(
                    f"Uploaded at {item.scanned_at:%Y-%m-%d %H:%M:%S} UTC (scan {item.scan_id}) "
                    f"and held for review: the account's upload was confirmed as "
                    f"{strike.category.replace('_', ' ')} in case {strike.case_id} on "
                    f"{strike.created_at:%Y-%m-%d}. Nothing about this upload is known yet."
                ),
                idempotency_key=f"account-hold:{item.scan_id}",
                bank_match=False,
            )
            return str(answer.body["case_id"])
    except TakedownError as exc:
        log.error("no case for held upload %s: %s", item.scan_id, exc.detail)
        return None


def _record(
    db_session: Session,
    *,
    item: dict[str, Any],
    signals: list[tuple[str, str, int | None]],
    matches: list[Match],
    now: datetime,
) -> int:
    """Insert the ledger row, its signals and its match events; return the ledger row's id.

    Core inserts on the session's connection, not ORM objects: this runs on every upload, and the
    unit of work's bookkeeping cost more than the inserts themselves. PostgreSQL gets all three
    in one statement (one round trip); SQLite, in process and without data-modifying CTEs, one
    statement per table with the rows sent together.
    """
    connection = db_session.connection()  # the session's transaction: committed with it
    if connection.dialect.name == "postgresql":
        return int(
            connection.execute(
                LEDGER_IN_ONE_STATEMENT,
                {
                    **item,
                    "signal_types": [t for t, _, _ in signals],
                    "signal_values": [v for _, v, _ in signals],
                    "signal_qualities": [q for _, _, q in signals],
                    "match_bank_ids": [m.bank_id for m in matches],
                    "match_entry_ids": [m.entry_id for m in matches],
                    "match_signal_types": [m.signal_type for m in matches],
                    "match_distances": [m.distance for m in matches],
                    "match_actions": [str(m.action) for m in matches],
                    "matched_at": now,
                },
            ).scalar_one()
        )
    item_id: int = connection.execute(INSERT_CONTENT_ITEM, item).scalar_one()
    if signals:  # an empty parameter list would insert one row of defaults
        connection.execute(
            INSERT_CONTENT_SIGNALS,
            [
                {"content_item_id": item_id, "signal_type": t, "value": v, "quality": q}
                for t, v, q in signals
            ],
        )
    if matches:
        connection.execute(
            INSERT_MATCH_EVENTS,
            [
                {
                    "content_item_id": item_id,
                    "bank_id": m.bank_id,
                    "entry_id": m.entry_id,
                    "signal_type": m.signal_type,
                    "distance": m.distance,
                    "action": m.action,
                    "matched_at": now,
                }
                for m in matches
            ],
        )
    return item_id


def _statement_for_block(
    db_session: Session,
    *,
    verdict: Verdict,
    content_id: str,
    account_id: str | None,
    media_type: str,
    matches: list[Match],
) -> dict[str, Any] | None:
    """DSA Art 17: a blocked upload is a restriction, so its uploader is owed a statement of
    reasons; the platform gets it in the scan answer to pass on."""
    blocking = [m for m in matches if m.action == MatchAction.BLOCK]
    if verdict != Verdict.BLOCK or not account_id or not blocking:
        return None
    from takedown.transparency.service import record_blocked_upload

    first = blocking[0]
    row = record_blocked_upload(
        db_session=db_session,
        content_id=content_id,
        account_id=account_id,
        media_type=media_type,
        bank_name=first.bank,
        bank_category=first.category,
        signal_type=first.signal_type,
    )
    return row.body


def lookup(*, index: Any, settings: Settings, signal_type: str, value: str) -> MatchOutcome:
    """Match one hash (validated and normalised first); InvalidInput if it is not valid."""
    signal_type, value = normalise_entry(signal_type, value)
    if is_keypoint_type(signal_type):
        raise keypoints.needs_the_picture(signal_type)
    outcome = match_signals(
        index=index, settings=settings, signals=[{"type": signal_type, "value": value}]
    )
    metrics.LOOKUPS.labels(matched=str(bool(outcome.matches)).lower()).inc()
    return outcome
