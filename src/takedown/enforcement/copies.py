"""Every copy: search the content ledger of past scans for items matching a case's media.

Identical copies (same MD5, SHA-256 or video MD5) satisfy the TAKE IT DOWN Act; near copies
(PDQ within the threshold against every stored PDQ variant, or a vPDQ video match) are what the UK
Online Safety Act calls "substantially the same". The ledger is streamed in chunks, so the search
is one pass over its PDQ rows with numpy, not a query per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import compress
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.enforcement.models import MatchKind
from takedown.scan.models import ContentItem, ContentSignal, Verdict
from takedown.scan.quality_gate import min_quality
from takedown.settings import Settings
from takedown.signals.vpdq import video_rule_met

EXACT_TYPES = ("md5", "sha256", "video_md5")
CHUNK = 50_000


@dataclass(frozen=True)
class LedgerMatch:
    content_item_id: int
    content_id: str
    account_id: str | None
    media_type: str
    scanned_at: datetime
    kind: MatchKind
    signal_type: str
    distance: int | None


def _is_pdq(signal_type: str) -> bool:
    # "pdq" and any per-variant naming the scanner may use ("pdq_rot90", "pdq:flip_x", ...)
    return signal_type == "pdq" or signal_type.startswith(("pdq_", "pdq:", "pdq-"))


def _frames(value: Any) -> list[str]:
    """vPDQ frame hashes: a signal's JSON list of "hash,quality,timestamp", or a ledger row's one
    frame hash."""
    from takedown.signals.vpdq import parse_vpdq

    text = str(value or "").strip()
    if text.startswith("["):
        try:
            return [frame.hash.lower() for frame in parse_vpdq(text)]
        except ValueError:
            return []
    return [text.lower()] if len(text) == 64 else []


def _bits(hexes: Iterable[str]) -> np.ndarray:
    values = [h for h in hexes if len(h) == 64]
    if not values:
        return np.zeros((0, 32), np.uint8)
    return np.frombuffer(bytes.fromhex("".join(values)), np.uint8).reshape(-1, 32)


def _distances(rows: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Hamming distance matrix rows x queries, on 64-bit words, one query at a time."""
    words = rows.view(np.uint64)
    out = np.empty((len(rows), len(queries)), np.int32)
    for j, query in enumerate(queries.view(np.uint64)):
        out[:, j] = np.bitwise_count(words ^ query).sum(axis=1)
    return out


def find_copies(
    *,
    db_session: Session,
    settings: Settings,
    signals: list[dict[str, Any]],
    pdq_threshold: int,
    item_ids: tuple[int, int] | None = None,
) -> list[LedgerMatch]:
    """Every ledger item matching any of `signals`, the closest match kept per item; only ledger
    rows with ids in `item_ids` (first, last), when given (the copy-search job's batches)."""
    in_range = _in_range(item_ids)
    best: dict[int, tuple[MatchKind, str, int | None]] = {}

    def keep(item_id: int, kind: MatchKind, signal_type: str, distance: int | None) -> None:
        current = best.get(item_id)
        rank = 0 if kind is MatchKind.IDENTICAL else 1
        if current is None or (rank, distance or 0) < (
            0 if current[0] is MatchKind.IDENTICAL else 1,
            current[2] or 0,
        ):
            best[item_id] = (kind, signal_type, distance)

    for signal_type in EXACT_TYPES:
        values = {str(s["value"]).lower() for s in signals if s.get("type") == signal_type}
        if not values:
            continue
        for (item_id,) in db_session.execute(
            select(ContentSignal.content_item_id).where(
                ContentSignal.signal_type == signal_type,
                ContentSignal.value.in_(values),
                *in_range,
            )
        ):
            keep(item_id, MatchKind.IDENTICAL, signal_type, None)

    by_type: dict[str, list[str]] = {}
    for s in signals:
        signal_type = str(s.get("type", ""))
        if _is_pdq(signal_type) and (s.get("quality") or 100) >= settings.pdq_min_quality:
            by_type.setdefault(signal_type, []).append(str(s["value"]).lower())
    pdq_queries = {t: bits for t, values in by_type.items() if len(bits := _bits(values))}
    if pdq_queries:
        for item_id, signal_type, distance in _pdq_scan(
            db_session, settings, pdq_queries, pdq_threshold, in_range
        ):
            keep(item_id, MatchKind.SIMILAR, signal_type, distance)

    frames = [f for s in signals if s.get("type") == "vpdq" for f in _frames(s.get("value"))]
    if frames:
        for item_id in _vpdq_scan(db_session, settings, _bits(frames), pdq_threshold, in_range):
            keep(item_id, MatchKind.SIMILAR, "vpdq", None)

    if not best:
        return []
    # An upload blocked at scan was never shown: nothing to take down, and its own flow (a case
    # for a CSAM bank, repeated attempts for intimate imagery) already answered it.
    items = db_session.scalars(
        select(ContentItem).where(
            ContentItem.id.in_(best.keys()), ContentItem.verdict != Verdict.BLOCK.value
        )
    )
    matches = [
        LedgerMatch(
            content_item_id=item.id,
            content_id=item.content_id,
            account_id=item.account_id,
            media_type=item.media_type,
            scanned_at=item.scanned_at,
            kind=best[item.id][0],
            signal_type=best[item.id][1],
            distance=best[item.id][2],
        )
        for item in items
    ]
    return sorted(matches, key=lambda m: (m.scanned_at, m.content_item_id))


def _in_range(item_ids: tuple[int, int] | None) -> list[Any]:
    if item_ids is None:
        return []
    return [ContentSignal.content_item_id.between(*item_ids)]


def _chunks(db_session: Session, query: Any) -> Iterator[Sequence[Any]]:
    # Core rows, not ORM loading: the scan is over plain columns and ORM overhead dominated it.
    # (Options on the statement: Connection.execution_options() would stick to the session's
    # connection and stream every later statement through a server-side cursor.) Not the
    # driver's cursor under the result: a streamed result has already buffered rows from it.
    result = db_session.connection().execute(query.execution_options(yield_per=CHUNK))
    yield from result.partitions(CHUNK)


def _pdq_scan(
    db_session: Session,
    settings: Settings,
    queries: dict[str, np.ndarray],
    threshold: int,
    in_range: list[Any],
) -> Iterator[tuple[int, str, int]]:
    """Ledger rows within `threshold` of a query hash of their own type: a whole-picture PDQ is
    compared with whole-picture PDQs (every dihedral variant), a centre region with centre
    regions, and so on; a region of one picture near the whole of another is no copy."""
    query = select(
        ContentSignal.content_item_id,
        ContentSignal.signal_type,
        ContentSignal.value,
        ContentSignal.quality,
    ).where(
        # `|| ''`: PDQ-family rows are most of the ledger, so reading the table in order beats
        # the (signal_type, value) index and a table lookup per row (4x on SQLite, measured).
        ContentSignal.signal_type.concat("").in_(list(queries)),
        *in_range,
    )
    for rows in _chunks(db_session, query):
        # Column-wise, in C (zip, map, compress, numpy): a Python step per row cost more than
        # the database's read.
        item_ids, types, values, qualities = zip(*rows, strict=True)
        kinds = np.array(types)
        whole = np.fromiter(map(len, values), np.int64, len(values)) == 64
        quality = np.nan_to_num(np.array(qualities, np.float64), nan=100.0)
        for signal_type, query_bits in queries.items():
            mask = (kinds == signal_type) & whole
            if not mask.any():
                continue
            chosen = np.flatnonzero(mask)
            hexes = "".join(compress(values, mask))
            bits = np.frombuffer(bytes.fromhex(hexes), np.uint8).reshape(-1, 32)
            nearest = _distances(bits, query_bits).min(axis=1)
            # Low-quality hashes are kept but matched exactly only (the scan API's rule).
            good = quality[chosen] >= min_quality(signal_type, settings)
            for hit in np.flatnonzero((nearest <= threshold) & ((nearest == 0) | good)):
                yield item_ids[chosen[hit]], signal_type, int(nearest[hit])


def _vpdq_scan(
    db_session: Session,
    settings: Settings,
    case_frames: np.ndarray,
    threshold: int,
    in_range: list[Any],
) -> Iterator[int]:
    """Ledger videos whose frames match the case video (python-threatexchange's vPDQ rule)."""
    query = (
        select(ContentSignal.content_item_id, ContentSignal.value)
        .where(ContentSignal.signal_type == "vpdq", *in_range)
        .order_by(ContentSignal.content_item_id)
    )
    current: int | None = None
    frames: list[str] = []

    def decide(item_id: int, item_frames: list[str]) -> bool:
        bits = _bits(item_frames)
        if not len(bits):
            return False
        close = _distances(bits, case_frames) <= threshold
        # The ledger video is the query; the case video is what is now banked.
        query_matched = int(close.any(axis=1).sum())
        query_percent = 100.0 * query_matched / len(bits)
        index_percent = 100.0 * close.any(axis=0).mean()
        return video_rule_met(query_percent, index_percent, query_matched, settings)

    for rows in _chunks(db_session, query):
        for item_id, value in rows:
            if item_id != current:
                if current is not None and decide(current, frames):
                    yield current
                current, frames = item_id, []
            frames.extend(_frames(value))
    if current is not None and decide(current, frames):
        yield current
