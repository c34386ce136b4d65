"""Load the match index for a serving process and keep it current from the change log.

The index is a base per signal type (memory-mapped from the newest snapshot under
`settings.index_dir`, or built from the database) plus a small delta of entries added since.
A follower thread polls `index_changes` every `index_refresh_seconds`; each change re-reads the
entry's current row, so applying a change twice, or out of order, is harmless. When the delta or
the disabled rows grow, a background compaction builds a new base (and, every
`index_snapshot_every_changes` changes, a new snapshot) while queries keep using the old one.
See docs/index.md.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select, text

from takedown.banks.models import Bank, BankEntry
from takedown.errors import InvalidInput
from takedown.index import descriptors as descriptor_search
from takedown.index import metrics, snapshot
from takedown.index.changelog import Change, ChangeCursor, latest_seq
from takedown.index.hamming import EMPTY_HASHES, hex_to_words
from takedown.index.segments import (
    VPDQ,
    DeltaEntry,
    DeltaView,
    Segment,
    build_segment,
    delta_view,
    exact_key,
    expand,
    is_keypoint_type,
    is_multi_row_type,
    is_video_type,
)
from takedown.index.video import DISTANCE_THRESHOLD, VideoHit, frame_hashes
from takedown.jobs.runner import PeriodicJob
from takedown.settings import Settings
from takedown.signals.match_rule import video_frame_min_quality
from takedown.signals.vpdq import video_rule_met
from takedown.store.db import one_of, session_scope

log = logging.getLogger(__name__)

__all__ = [
    "BankInfo",
    "IndexHit",
    "KeypointNeighbour",
    "MatchIndex",
    "VideoHit",
    "load_index",
    "refresh_job",
]

# Compaction: fold the delta into a new base once it holds this many rows (it is brute-forced),
# or once this share of the base is disabled.
DELTA_MAX_ROWS = 20_000
DEAD_SHARE = 0.2
# A fresh build replays this many trailing change-log rows, so changes that were still in flight
# (committing out of order) when the build read the entries are not missed.
TRAILING_REPLAY = 100_000
BUILD_BATCH = 100_000
GAP_TIMEOUT_SECONDS = 3600.0


def hamming_signal_types() -> frozenset[str]:
    """Signal types matched by bit distance (one multi-index table each), from the registry."""
    try:
        from takedown.signals.base import MatchKind
        from takedown.signals.registry import SIGNAL_TYPES
    except ImportError:
        return frozenset({"pdq"})
    kinds = {name for name, cls in SIGNAL_TYPES.items() if cls.match_kind == MatchKind.HAMMING}
    return frozenset(kinds or {"pdq"})


def default_threshold(signal_type: str, bank_pdq_threshold: int) -> int:
    """A bank's threshold for a hamming type it sets no threshold for."""
    if signal_type == "pdq":
        return bank_pdq_threshold
    if is_video_type(signal_type):
        return DISTANCE_THRESHOLD
    try:
        from takedown.signals.match_rule import DEFAULT_THRESHOLDS
    except ImportError:
        return bank_pdq_threshold
    return DEFAULT_THRESHOLDS.get(signal_type, bank_pdq_threshold)


@dataclass(frozen=True)
class BankInfo:
    id: int
    name: str
    category: str
    action: str
    pdq_threshold: int
    signal_thresholds: dict[str, int]
    enabled: bool

    def threshold(self, signal_type: str) -> int:
        if signal_type == "pdq":
            return self.pdq_threshold
        value = self.signal_thresholds.get(signal_type)
        if value is None:
            return default_threshold(signal_type, self.pdq_threshold)
        return int(value)


@dataclass(frozen=True)
class KeypointNeighbour:
    query_row: int  # which upload descriptor
    entry_id: int
    bank_id: int
    position: int  # which keypoint of the bank entry, in its value's order
    distance: int


@dataclass(frozen=True)
class IndexHit:
    entry_id: int
    bank_id: int
    signal_type: str
    distance: int | None  # Hamming distance; None for exact signals


class MatchIndex:
    """Every enabled bank entry, queryable by exact value or Hamming distance."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.banks: dict[int, BankInfo] = {}
        self.ready = False
        self.hamming_types = hamming_signal_types()
        self._base: dict[str, Segment] = {}
        self._delta: dict[int, DeltaEntry] = {}
        self._views: dict[str, DeltaView] = {}
        self._cursor = ChangeCursor()
        self._lock = threading.RLock()  # one writer: refresh, compaction swap
        self._journal: list[tuple[int, tuple[int, str, str, bool] | None]] | None = None
        self._compaction: threading.Thread | None = None
        self._snapshot_writer: threading.Thread | None = None
        self._warming: threading.Thread | None = None
        self._changes_since_snapshot = 0
        self._last_refresh = time.monotonic()
        self._follower: threading.Thread | None = None
        self._stop = threading.Event()
        self.loaded_from = "empty"

    @classmethod
    def from_hashes(
        cls, settings: Settings, hashes: np.ndarray, bank: BankInfo, signal_type: str = "pdq"
    ) -> MatchIndex:
        """An index over in-memory (n, 4) uint64 hashes in one bank, entry ids 1..n; no database.

        For benchmarks and offline tools; the query path is the serving one.
        """
        index = cls(settings)
        ids = np.arange(1, len(hashes) + 1, dtype=np.int64)
        banks = np.full(len(hashes), bank.id, np.int32)
        index._base = {signal_type: _segment(signal_type, True, ids, banks, hashes, None)}
        index.banks = {bank.id: bank}
        index.ready = True
        return index

    # --- loading --------------------------------------------------------------------------

    def load(self) -> None:
        """Map the newest snapshot for this database (or build from it), then catch up."""
        url = self.settings.resolved_database_url
        fingerprint = snapshot.database_fingerprint(url)
        loaded = snapshot.load(self.settings.index_dir, fingerprint)
        if loaded is not None:
            with session_scope(url) as db_session:
                newest = latest_seq(db_session)
            if newest < loaded[1].high:
                log.warning("index snapshot is ahead of the database's change log; rebuilding")
                loaded = None
            elif any(
                (segment.table is not None) != self._is_hamming(signal_type)
                for signal_type, segment in loaded[0].items()
            ):
                log.warning("a signal type changed kind since the index snapshot; rebuilding")
                loaded = None
        if loaded is not None:
            self._base, self._cursor = loaded
            self._warming = snapshot.warm(self._base)
            self.loaded_from = "snapshot"
        else:
            self._build_from_database()
            self.loaded_from = "database"
        self._index_descriptors(self._base)
        self.refresh()
        if self.loaded_from == "database":
            self._write_snapshot_later(self._base, self._cursor.copy())
        self.ready = True

    @classmethod
    def of_entries(cls, settings: Settings, entry_ids: Sequence[int]) -> MatchIndex:
        """An index of only these entries (those still enabled), read from the database: what an
        upload scanned earlier would match against hashes banked since (the lookback)."""
        index = cls(settings)
        rows: list[Any] = []
        with session_scope(settings.resolved_database_url) as db_session:
            index.banks = _read_banks(db_session)
            for condition in one_of(db_session, BankEntry.id, entry_ids):
                rows += db_session.execute(
                    select(BankEntry.id, BankEntry.bank_id, BankEntry.signal_type, BankEntry.value)
                    .where(condition, BankEntry.enabled.is_(True))
                    .order_by(BankEntry.id)
                ).all()
        index._base = index._segments([rows])
        index._index_descriptors(index._base)
        index.ready = True
        return index

    def _build_from_database(self) -> None:
        url = self.settings.resolved_database_url
        with session_scope(url) as db_session:
            high = latest_seq(db_session)
            result = db_session.execute(
                text(
                    "SELECT id, bank_id, signal_type, value FROM bank_entries"
                    " WHERE enabled ORDER BY id"
                ).execution_options(yield_per=BUILD_BATCH)
            )
            self._base = self._segments(result.partitions())
        self._cursor = ChangeCursor(high=max(0, high - TRAILING_REPLAY))

    def _segments(self, batches: Iterable[Sequence[Any]]) -> dict[str, Segment]:
        """Base segments from (id, bank_id, signal_type, value) rows in id order."""
        ids: dict[str, list[np.ndarray]] = defaultdict(list)
        banks: dict[str, list[np.ndarray]] = defaultdict(list)
        hashes: dict[str, list[np.ndarray]] = defaultdict(list)
        keys: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for batch in batches:
            self._add_rows(batch, ids, banks, hashes, keys)
        return {
            signal_type: _segment(
                signal_type,
                self._is_hamming(signal_type),
                np.concatenate(ids[signal_type]),
                np.concatenate(banks[signal_type]),
                np.concatenate(hashes[signal_type]) if hashes[signal_type] else None,
                np.array(keys[signal_type], np.uint64).reshape(-1, 2),
            )
            for signal_type in ids
        }

    def _add_rows(
        self,
        rows: Sequence[Any],
        ids: dict[str, list[np.ndarray]],
        banks: dict[str, list[np.ndarray]],
        hashes: dict[str, list[np.ndarray]],
        keys: dict[str, list[tuple[int, int]]],
    ) -> None:
        by_type: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        for entry_id, bank_id, signal_type, value in rows:
            by_type[signal_type].append((int(entry_id), int(bank_id), value))
        for signal_type, items in by_type.items():
            if signal_type in self.hamming_types:
                try:  # fast path: a whole batch of well-formed hashes at once
                    block = hex_to_words([value.lower() for _, _, value in items])
                except ValueError:
                    block = None
                if block is not None:
                    ids[signal_type].append(np.array([i for i, _, _ in items], np.int64))
                    banks[signal_type].append(np.array([b for _, b, _ in items], np.int32))
                    hashes[signal_type].append(block)
                    continue
            for entry_id, bank_id, value in items:
                expanded = expand(signal_type, value, self._is_hamming(signal_type))
                if expanded is None:
                    continue
                count = len(expanded)
                ids[signal_type].append(np.full(count, entry_id, np.int64))
                banks[signal_type].append(np.full(count, bank_id, np.int32))
                if isinstance(expanded, np.ndarray):
                    hashes[signal_type].append(expanded)
                else:
                    keys[signal_type].append(exact_key(value))

    def _is_hamming(self, signal_type: str) -> bool:
        return signal_type in self.hamming_types or is_multi_row_type(signal_type)

    # --- following the change log -----------------------------------------------------------

    def refresh(self) -> int:
        """Apply every change-log row not yet applied; the number applied."""
        with self._lock:
            with session_scope(self.settings.resolved_database_url) as db_session:
                changes = self._cursor.poll(db_session, gap_timeout=GAP_TIMEOUT_SECONDS)
                self.banks = _read_banks(db_session)
            self._apply(changes)
            self._last_refresh = time.monotonic()
        metrics.REFRESH_LAG.set_function(lambda: time.monotonic() - self._last_refresh)
        self._maybe_compact()
        self._publish_sizes()
        return len(changes)

    def _apply(self, changes: Iterable[Change]) -> None:
        latest: dict[int, tuple[int, str, str, bool] | None] = {}
        count = 0
        for change in changes:
            count += 1
            if change.entry_id is not None:
                latest[change.entry_id] = change.entry
        dirty: set[str] = set()
        for entry_id, state in latest.items():
            dirty |= self._apply_entry(entry_id, state)
            if self._journal is not None:
                self._journal.append((entry_id, state))
        if dirty:
            self._rebuild_views(dirty)
        self._changes_since_snapshot += count
        metrics.CHANGES_APPLIED.inc(count)

    def _apply_entry(self, entry_id: int, state: tuple[int, str, str, bool] | None) -> set[str]:
        """Make the index hold `state` for one entry (None: the row is gone); types touched."""
        enabled = state is not None and state[3]
        segments = [self._base[state[1]]] if state and state[1] in self._base else []
        if state is None:
            segments = list(self._base.values())
        for segment in segments:
            rows = segment.rows_of(entry_id)
            if rows.stop > rows.start:
                segment.alive[rows] = enabled
                return set()
        if enabled and state is not None:
            self._delta[entry_id] = DeltaEntry(state[0], state[1], state[2])
            return {state[1]}
        removed = self._delta.pop(entry_id, None)
        return {removed.signal_type} if removed else set()

    def _rebuild_views(self, signal_types: set[str]) -> None:
        by_type: dict[str, list[tuple[int, DeltaEntry]]] = defaultdict(list)
        for entry_id, entry in self._delta.items():
            if entry.signal_type in signal_types:
                by_type[entry.signal_type].append((entry_id, entry))
        views = dict(self._views)
        for signal_type in signal_types:
            views[signal_type] = delta_view(
                signal_type, self._is_hamming(signal_type), by_type.get(signal_type, [])
            )
        self._views = views  # one assignment: queries see the old or the new views, whole

    # --- compaction and snapshots ----------------------------------------------------------

    def _maybe_compact(self) -> None:
        if self._compaction is not None and self._compaction.is_alive():
            return
        delta_rows = sum(len(view.entry_ids) for view in self._views.values())
        metrics.DELTA_ROWS.set(delta_rows)
        dead = sum(len(s) - int(np.count_nonzero(s.alive)) for s in self._base.values())
        total = sum(len(s) for s in self._base.values())
        snapshot_due = self._changes_since_snapshot >= self.settings.index_snapshot_every_changes
        if delta_rows >= DELTA_MAX_ROWS or dead > DEAD_SHARE * max(total, 1) or snapshot_due:
            self.compact(background=True)

    def compact(self, *, background: bool = False) -> None:
        """Fold the delta and drop disabled rows into a new base, then write a snapshot."""
        with self._lock:
            base = self._base
            alive = {t: segment.alive.copy() for t, segment in base.items()}
            delta = dict(self._delta)
            cursor = self._cursor.copy()
            self._journal = []
            self._changes_since_snapshot = 0
        if background:
            self._compaction = threading.Thread(
                target=self._compact, args=(base, alive, delta, cursor), name="index-compaction"
            )
            self._compaction.start()
        else:
            self._compact(base, alive, delta, cursor)

    def _compact(
        self,
        base: dict[str, Segment],
        alive: dict[str, np.ndarray],
        delta: dict[int, DeltaEntry],
        cursor: ChangeCursor,
    ) -> None:
        try:
            new_base = self._merge(base, alive, delta)
            self._index_descriptors(new_base)
        except Exception:
            log.exception("index compaction failed; the delta keeps serving")
            with self._lock:
                self._journal = None
            return
        with self._lock:
            journal = self._journal or []
            self._journal = None
            self._base, self._delta, self._views = new_base, {}, {}
            dirty: set[str] = set()
            for entry_id, state in journal:  # changes that arrived while building
                dirty |= self._apply_entry(entry_id, state)
            if dirty:
                self._rebuild_views(dirty)
        self._publish_sizes()
        try:
            snapshot.save(
                self.settings.index_dir,
                new_base,
                cursor,
                snapshot.database_fingerprint(self.settings.resolved_database_url),
            )
        except OSError:
            log.exception("could not write the index snapshot")

    def _merge(
        self, base: dict[str, Segment], alive: dict[str, np.ndarray], delta: dict[int, DeltaEntry]
    ) -> dict[str, Segment]:
        by_type: dict[str, list[tuple[int, DeltaEntry]]] = defaultdict(list)
        for entry_id, entry in delta.items():
            by_type[entry.signal_type].append((entry_id, entry))
        merged: dict[str, Segment] = {}
        for signal_type in set(base) | set(by_type):
            segment = base.get(signal_type)
            if (
                segment is not None
                and signal_type not in by_type
                and np.count_nonzero(~alive[signal_type]) <= DEAD_SHARE * len(segment)
            ):
                # Nothing new and few disabled rows: the segment serves on as it is, tables,
                # lists and descriptor index included (a large crop bank's lists take seconds to
                # build; a PDQ import should not rebuild them). Its `alive` is the live one.
                merged[signal_type] = segment
                continue
            hamming = self._is_hamming(signal_type)
            view = delta_view(signal_type, hamming, by_type.get(signal_type, []))
            ids, banks, hashes, keys = [view.entry_ids], [view.bank_ids], [view.hashes], [view.keys]
            if segment is not None:
                keep = alive[signal_type]
                ids.append(np.asarray(segment.entry_ids)[keep])
                banks.append(np.asarray(segment.bank_ids)[keep])
                if segment.table is not None:
                    hashes.append(np.asarray(segment.table.hashes)[keep])
                else:
                    assert (
                        segment.key_order is not None
                        and segment.key_hi is not None
                        and segment.key_lo is not None
                    )
                    row_keys = np.empty((len(segment), 2), np.uint64)
                    row_keys[segment.key_order, 0] = segment.key_hi
                    row_keys[:, 1] = segment.key_lo
                    keys.append(row_keys[keep])
            merged[signal_type] = _segment(
                signal_type,
                hamming,
                np.concatenate(ids),
                np.concatenate(banks),
                np.concatenate(hashes) if hamming else None,
                None if hamming else np.concatenate(keys),
            )
        return merged

    def _write_snapshot_later(self, base: dict[str, Segment], cursor: ChangeCursor) -> None:
        fingerprint = snapshot.database_fingerprint(self.settings.resolved_database_url)

        def write() -> None:
            try:
                snapshot.save(self.settings.index_dir, base, cursor, fingerprint)
            except OSError:
                log.exception("could not write the index snapshot")

        self._snapshot_writer = threading.Thread(target=write, name="index-snapshot")
        self._snapshot_writer.start()

    # --- queries ----------------------------------------------------------------------------

    def query(self, signal_type: str, value: str, *, exact_only: bool = False) -> list[IndexHit]:
        """Every enabled entry matching `value`, within each bank's own threshold."""
        if is_keypoint_type(signal_type):
            from takedown.signals.keypoints import needs_the_picture

            raise needs_the_picture(signal_type)
        if is_video_type(signal_type):
            return [
                IndexHit(hit.entry_id, hit.bank_id, signal_type, None)
                for hit in self.query_video(value, signal_type=signal_type)
            ]
        if signal_type not in self.hamming_types:
            return self._query_exact(
                signal_type, value.strip(), self._base, self._views, self.banks
            )
        return self._query_hamming(signal_type, [value], exact_only)[0]

    def query_many(
        self, signal_type: str, values: Sequence[str], *, exact_only: bool = False
    ) -> list[list[IndexHit]]:
        """`query` for each of `values` (a scan's PDQ variants and region hashes): the base is
        searched for all of them in one compiled call."""
        if signal_type in self.hamming_types and not is_video_type(signal_type):
            return self._query_hamming(signal_type, values, exact_only)
        return [self.query(signal_type, value, exact_only=exact_only) for value in values]

    def _query_hamming(
        self, signal_type: str, values: Sequence[str], exact_only: bool
    ) -> list[list[IndexHit]]:
        base, views, banks = self._base, self._views, self.banks
        try:
            queries = hex_to_words([value.strip().lower() for value in values])
        except ValueError:
            raise InvalidInput(f"invalid {signal_type} hash", code="invalid_signal") from None
        thresholds = {
            bank_id: 0 if exact_only else bank.threshold(signal_type)
            for bank_id, bank in banks.items()
            if bank.enabled
        }
        radius = max(thresholds.values(), default=-1)
        hits: list[list[IndexHit]] = [[] for _ in values]
        if radius < 0:
            return hits
        segment = base.get(signal_type)
        if segment is not None and segment.table is not None:
            if len(queries) == 1:
                found = [segment.table.search(queries[0], radius)]
            else:
                found = segment.table.search_many(queries, radius)
            for query_hits, (rows, dists) in zip(hits, found, strict=True):
                query_hits += _hits(
                    signal_type,
                    rows,
                    dists,
                    segment.entry_ids,
                    segment.bank_ids,
                    segment.alive,
                    thresholds,
                )
        view = views.get(signal_type)
        if view is not None:
            for query_hits, query in zip(hits, queries, strict=True):
                rows, dists = view.search(query, radius)
                query_hits += _hits(
                    signal_type, rows, dists, view.entry_ids, view.bank_ids, None, thresholds
                )
        for query_hits in hits:
            query_hits.sort(key=lambda hit: (hit.distance or 0, hit.entry_id))
        return hits

    def _query_exact(
        self,
        signal_type: str,
        value: str,
        base: dict[str, Segment],
        views: dict[str, DeltaView],
        banks: dict[int, BankInfo],
    ) -> list[IndexHit]:
        found: list[tuple[int, int]] = []
        candidates = {value, value.lower()}
        segment = base.get(signal_type)
        for candidate in candidates:
            if segment is not None and segment.key_hi is not None:
                for row in segment.exact_rows(candidate):
                    if segment.alive[row]:
                        found.append((int(segment.entry_ids[row]), int(segment.bank_ids[row])))
            view = views.get(signal_type)
            if view is not None:
                found += view.exact.get(candidate, [])
        return [
            IndexHit(entry_id, bank_id, signal_type, None)
            for entry_id, bank_id in sorted(set(found))
            if bank_id in banks and banks[bank_id].enabled
        ]

    def query_video(
        self, frames: str | Sequence[Any], *, signal_type: str = VPDQ
    ) -> list[VideoHit]:
        """Bank videos matching a vPDQ value (or its frames) under the vPDQ rule; `signal_type`
        picks the frame-list type (vpdq, or a region type such as vpdq_norm)."""
        try:
            hashes = frame_hashes(frames, video_frame_min_quality(signal_type))
        except ValueError as exc:
            raise InvalidInput(f"invalid vpdq value: {exc}", code="invalid_signal") from None
        if not hashes:
            return []
        base, views, banks = self._base, self._views, self.banks
        thresholds = {b.id: b.threshold(signal_type) for b in banks.values() if b.enabled}
        radius = max(thresholds.values(), default=-1)
        if radius < 0:
            return []
        query_matched: dict[int, set[int]] = defaultdict(set)
        index_matched: dict[int, set[tuple[int, int]]] = defaultdict(set)
        bank_of: dict[int, int] = {}
        frame_totals: dict[int, int] = {}
        sources: list[tuple[Any, np.ndarray, np.ndarray, np.ndarray | None]] = []
        segment = base.get(signal_type)
        if segment is not None and segment.table is not None:
            sources.append((segment.table, segment.entry_ids, segment.bank_ids, segment.alive))
        view = views.get(signal_type)
        if view is not None and len(view.entry_ids):
            sources.append((view, view.entry_ids, view.bank_ids, None))
        for q_index, query in enumerate(hex_to_words(hashes)):
            for source_no, (searcher, entry_ids, bank_ids, alive) in enumerate(sources):
                rows, dists = searcher.search(query, radius)
                for row, dist in zip(rows.tolist(), dists.tolist(), strict=True):
                    bank_id = int(bank_ids[row])
                    if (alive is not None and not alive[row]) or dist > thresholds.get(bank_id, -1):
                        continue
                    entry_id = int(entry_ids[row])
                    query_matched[entry_id].add(q_index)
                    index_matched[entry_id].add((source_no, row))
                    bank_of[entry_id] = bank_id
                    if entry_id not in frame_totals:
                        frame_totals[entry_id] = int(
                            np.searchsorted(entry_ids, entry_id, "right")
                            - np.searchsorted(entry_ids, entry_id, "left")
                        )
        hits = []
        for entry_id, matched in query_matched.items():
            query_percent = len(matched) * 100 / len(hashes)
            index_percent = len(index_matched[entry_id]) * 100 / frame_totals[entry_id]
            if video_rule_met(query_percent, index_percent, len(matched), self.settings):
                hits.append(
                    VideoHit(entry_id, bank_of[entry_id], query_percent, index_percent, signal_type)
                )
        hits.sort(key=lambda hit: (-hit.query_match_percent, hit.entry_id))
        return hits

    def query_frames(
        self, signal_type: str, values: Sequence[str], *, exact_only: bool = False
    ) -> list[list[IndexHit]]:
        """The frames of bank videos (rows of the frame-list `signal_type`) within each bank's
        frame threshold of each of `values`, one hit a frame: a still taken from a banked video.
        No share rule: one picture is one frame."""
        if not is_video_type(signal_type):
            raise ValueError(f"{signal_type} is not a frame-list type")
        return self._query_hamming(signal_type, values, exact_only)

    def holds(self, signal_type: str) -> bool:
        """Whether any row of `signal_type` is in the index (disabled rows included: cheap)."""
        segment = self._base.get(signal_type)
        view = self._views.get(signal_type)
        return bool(
            (segment is not None and len(segment)) or (view is not None and len(view.entry_ids))
        )

    def query_keypoints(
        self, signal_type: str, descriptors: np.ndarray, *, radius: int, neighbours: int
    ) -> list[KeypointNeighbour]:
        """For each upload descriptor ((n, 4) uint64 rows), its `neighbours` nearest enabled bank
        descriptors within `radius` bits: which entry, which keypoint of it, how far."""
        if len(descriptors) == 0:
            return []
        base, views, banks = self._base, self._views, self.banks
        enabled = np.array([bank.id for bank in banks.values() if bank.enabled], np.int64)
        # Hits as flat arrays (upload descriptor, entry, keypoint of it, bank, distance), from
        # faiss's k-nearest search of the base and of the delta (look-alike pictures put
        # thousands of rows within the radius of a descriptor: collecting them all was the cost).
        sources: list[Segment | DeltaView] = []
        segment = base.get(signal_type)
        if segment is not None and segment.table is not None:
            if segment.descriptor_index is None:  # a base made in memory (benchmarks, tools)
                segment.descriptor_index = self._build_descriptor_index(segment)
            sources.append(segment)
        view = views.get(signal_type)
        if view is not None and len(view.entry_ids):
            if view.descriptor_index is None:  # built on the first scan after the delta changed
                view.descriptor_index = descriptor_search.flat_index(view.hashes)
            sources.append(view)
        # The nearest of base and delta together are among each one's own nearest.
        parts: list[tuple[np.ndarray, ...]] = []
        for source in sources:
            query_rows, rows, dists = descriptor_search.nearest_usable(
                source.descriptor_index,
                descriptors,
                radius,
                neighbours,
                functools.partial(_usable_rows, source, enabled),
            )
            parts.append(_keypoint_hits(source, query_rows, rows, dists))
        if not parts:
            return []
        query_rows, entry_ids, positions, bank_ids, dists = (
            np.concatenate(column) for column in zip(*parts, strict=True)
        )
        chosen = descriptor_search.nearest_first(query_rows, dists, entry_ids, neighbours)
        return [
            KeypointNeighbour(int(q), int(e), int(b), int(p), int(d))
            for q, e, b, p, d in zip(
                query_rows[chosen],
                entry_ids[chosen],
                bank_ids[chosen],
                positions[chosen],
                dists[chosen],
                strict=True,
            )
        ]

    def _index_descriptors(self, base: dict[str, Segment]) -> None:
        """Build the faiss index of each keypoint segment of a base before it serves (a segment
        compaction kept as it was has its index already)."""
        for signal_type, segment in base.items():
            if (
                is_keypoint_type(signal_type)
                and segment.table is not None
                and segment.descriptor_index is None
            ):
                segment.descriptor_index = self._build_descriptor_index(segment)

    def _build_descriptor_index(self, segment: Segment) -> Any:
        """Flat (exact) up to `crop_search_exact_rows` rows, else clustered; a segment's clusters
        are computed once and kept with it (snapshots save them)."""
        assert segment.table is not None
        hashes = segment.table.hashes
        if len(segment) <= self.settings.crop_search_exact_rows:
            return descriptor_search.flat_index(hashes)
        if segment.clusters is None or len(segment.clusters.assignment) != len(segment):
            segment.clusters = descriptor_search.cluster(hashes)
        return descriptor_search.clustered_index(hashes, segment.clusters)

    def entry_values(self, entry_ids: Iterable[int]) -> dict[int, str]:
        """Current values of bank entries, read from the database (keypoint confirmation)."""
        wanted = sorted(set(entry_ids))
        if not wanted:
            return {}
        with session_scope(self.settings.resolved_database_url) as db_session:
            rows = db_session.execute(
                select(BankEntry.id, BankEntry.value).where(BankEntry.id.in_(wanted))
            ).all()
        return {int(entry_id): value for entry_id, value in rows}

    # --- state ------------------------------------------------------------------------------

    def size(self) -> dict[str, int]:
        """Enabled entries per signal type (base plus delta)."""
        sizes: dict[str, int] = defaultdict(int)
        for signal_type, segment in self._base.items():
            sizes[signal_type] += segment.live_entries()
        for entry in list(self._delta.values()):
            sizes[entry.signal_type] += 1
        return dict(sizes)

    @property
    def nbytes(self) -> int:
        """Bytes held by the base arrays (mapped or not) and the delta's arrays."""
        total = sum(segment.nbytes for segment in self._base.values())
        for view in self._views.values():
            total += view.entry_ids.nbytes + view.bank_ids.nbytes + view.hashes.nbytes
        return total

    def _publish_sizes(self) -> None:
        for signal_type, count in self.size().items():
            metrics.INDEX_ENTRIES.labels(signal_type=signal_type).set(count)

    def follow(self) -> None:
        """Poll the change log every `index_refresh_seconds` in a daemon thread until close()."""
        if self._follower is not None and self._follower.is_alive():
            return

        def loop() -> None:
            while not self._stop.wait(self.settings.index_refresh_seconds):
                try:
                    self.refresh()
                except Exception:
                    log.exception("index refresh failed; retrying")

        self._follower = threading.Thread(target=loop, name="index-follower", daemon=True)
        self._follower.start()

    def close(self) -> None:
        self.ready = False
        self._stop.set()
        for thread in (self._follower, self._compaction, self._snapshot_writer):
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout=60)


def _segment(
    signal_type: str,
    hamming: bool,
    entry_ids: np.ndarray,
    bank_ids: np.ndarray,
    hashes: np.ndarray | None,
    keys: np.ndarray | None,
) -> Segment:
    """A base segment from unsorted rows: sorted by entry id first."""
    order = np.argsort(entry_ids, kind="stable")
    if hamming:
        rows = hashes if hashes is not None else EMPTY_HASHES
        ids, banks = entry_ids[order], bank_ids[order]
        return build_segment(signal_type, True, ids, banks, hashes=rows[order])
    assert keys is not None
    return build_segment(signal_type, False, entry_ids[order], bank_ids[order], keys=keys[order])


def _usable_rows(
    source: Segment | DeltaView, enabled_banks: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """Which of these rows of a base segment or delta view are live and in an enabled bank (a
    disabled entry leaves the delta; in a base its rows stay, marked not alive)."""
    usable = np.isin(source.bank_ids[rows], enabled_banks)
    if isinstance(source, Segment):
        usable &= source.alive[rows]
    return usable


def _keypoint_hits(
    source: Any, query_rows: np.ndarray, rows: np.ndarray, dists: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Hits of a base segment or delta view as (query row, entry, keypoint position, bank,
    distance) columns; an entry's rows are contiguous and in its value's order."""
    entry_ids = source.entry_ids[rows].astype(np.int64)
    positions = rows - np.searchsorted(source.entry_ids, entry_ids, "left")
    bank_ids = source.bank_ids[rows].astype(np.int64)
    return (
        query_rows.astype(np.int64),
        entry_ids,
        positions.astype(np.int64),
        bank_ids,
        dists.astype(np.int64),
    )


def _hits(
    signal_type: str,
    rows: np.ndarray,
    dists: np.ndarray,
    entry_ids: np.ndarray,
    bank_ids: np.ndarray,
    alive: np.ndarray | None,
    thresholds: dict[int, int],
) -> list[IndexHit]:
    hits = []
    for row, dist in zip(rows.tolist(), dists.tolist(), strict=True):
        if alive is not None and not alive[row]:
            continue
        bank_id = int(bank_ids[row])
        if dist <= thresholds.get(bank_id, -1):
            hits.append(IndexHit(int(entry_ids[row]), bank_id, signal_type, int(dist)))
    return hits


def _read_banks(db_session: Any) -> dict[int, BankInfo]:
    return {
        bank.id: BankInfo(
            bank.id,
            bank.name,
            bank.category,
            bank.action,
            bank.pdq_threshold,
            {k: int(v) for k, v in (bank.signal_thresholds or {}).items()},
            bank.enabled,
        )
        for bank in db_session.scalars(select(Bank))
    }


def load_index(settings: Settings) -> MatchIndex:
    index = MatchIndex(settings)
    index.load()
    return index


def refresh_job(app: object) -> PeriodicJob:
    """Starts the index's follower thread (1 s polls, independent of other jobs' run time)."""

    def run(_: Settings) -> None:
        index: MatchIndex = app.state.index  # type: ignore[attr-defined]
        index.refresh()
        index.follow()

    return PeriodicJob("index-refresh", run, 1.0)
