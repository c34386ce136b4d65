"""The index's data: an immutable base per signal type (snapshot or build) plus a small delta.

A base `Segment` holds one signal type's rows sorted by entry id (a vPDQ entry has one row per
unique frame), so an entry's rows are found by binary search and disabled by clearing `alive`.
Hamming types carry a `HammingTable`; exact types carry 128-bit keys sorted for binary search.
Entries added after the base live in a `Delta` (searched by brute force) until compaction folds
them into a new base.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from takedown.index.descriptors import Clusters
from takedown.index.hamming import EMPTY_HASHES, HammingTable, brute_force, hex_to_words
from takedown.index.video import frame_hashes
from takedown.signals.match_rule import video_frame_min_quality

VPDQ = "vpdq"


@functools.cache
def is_video_type(signal_type: str) -> bool:
    """vPDQ and every other frame-list type (MatchKind.VIDEO in the signals registry)."""
    if signal_type == VPDQ:
        return True
    from takedown.signals.base import MatchKind
    from takedown.signals.registry import SIGNAL_TYPES

    kind = SIGNAL_TYPES.get(signal_type)
    return kind is not None and kind.match_kind == MatchKind.VIDEO


@functools.cache
def is_keypoint_type(signal_type: str) -> bool:
    """`pdq_crop`: one row per keypoint descriptor, in the value's order (MatchKind.KEYPOINTS)."""
    from takedown.signals.base import MatchKind
    from takedown.signals.registry import SIGNAL_TYPES

    kind = SIGNAL_TYPES.get(signal_type)
    return kind is not None and kind.match_kind == MatchKind.KEYPOINTS


def is_multi_row_type(signal_type: str) -> bool:
    """Types whose entries have many rows (frames or keypoints)."""
    return is_video_type(signal_type) or is_keypoint_type(signal_type)


def exact_key(value: str) -> tuple[int, int]:
    """128-bit digest of an exact value as two uint64 (collisions: ~2**-128)."""
    digest = hashlib.blake2b(value.encode(), digest_size=16).digest()
    return int.from_bytes(digest[:8], "big"), int.from_bytes(digest[8:], "big")


def expand(signal_type: str, value: str, hamming: bool) -> np.ndarray | list[str] | None:
    """The rows one entry contributes: hashes for hamming types, vPDQ frames and keypoint
    descriptors (in order), else the value."""
    try:
        if is_keypoint_type(signal_type):
            from takedown.signals.keypoints import descriptor_words, parse

            return descriptor_words(parse(value).descriptors)
        if is_video_type(signal_type):
            return hex_to_words(frame_hashes(value, video_frame_min_quality(signal_type)))
        if hamming:
            return hex_to_words(value.lower())
    except ValueError:
        return None  # a malformed value never matches (banks validate on the way in)
    return [value]


@dataclass
class Segment:
    signal_type: str
    entry_ids: np.ndarray  # int64, sorted; repeats for vPDQ frames
    bank_ids: np.ndarray  # int32
    alive: np.ndarray  # bool, writable: False once the entry is disabled
    table: HammingTable | None = None
    key_hi: np.ndarray | None = None  # exact types: high key halves, sorted
    key_order: np.ndarray | None = None  # the row of each sorted key
    key_lo: np.ndarray | None = None  # low key half of each row
    clusters: Clusters | None = None  # keypoint types over the exact search's size (descriptors.py)
    descriptor_index: Any = None  # keypoint types: the faiss index the service builds with the base

    def __len__(self) -> int:
        return len(self.entry_ids)

    @property
    def nbytes(self) -> int:
        total = self.entry_ids.nbytes + self.bank_ids.nbytes + self.alive.nbytes
        if self.table is not None:
            total += self.table.nbytes
        for array in (self.key_hi, self.key_lo, self.key_order):
            if array is not None:
                total += array.nbytes
        if self.clusters is not None:
            total += self.clusters.centroids.nbytes + self.clusters.assignment.nbytes
        if self.descriptor_index is not None:  # faiss's own copy of the rows (+ ids in IVF lists)
            listed = hasattr(self.descriptor_index, "nlist")
            total += self.descriptor_index.ntotal * (40 if listed else 32)
        return total

    def rows_of(self, entry_id: int) -> slice:
        lo = int(np.searchsorted(self.entry_ids, entry_id, "left"))
        hi = int(np.searchsorted(self.entry_ids, entry_id, "right"))
        return slice(lo, hi)

    def live_entries(self) -> int:
        if is_multi_row_type(self.signal_type):
            return len(np.unique(self.entry_ids[self.alive]))
        return int(np.count_nonzero(self.alive))

    def exact_rows(self, value: str) -> np.ndarray:
        assert self.key_hi is not None and self.key_lo is not None and self.key_order is not None
        hi, lo = (np.uint64(k) for k in exact_key(value))
        start = int(np.searchsorted(self.key_hi, hi, "left"))
        stop = int(np.searchsorted(self.key_hi, hi, "right"))
        rows = self.key_order[start:stop]
        return rows[self.key_lo[rows] == lo]


def build_segment(
    signal_type: str,
    hamming: bool,
    entry_ids: np.ndarray,
    bank_ids: np.ndarray,
    *,
    hashes: np.ndarray | None = None,
    keys: np.ndarray | None = None,
) -> Segment:
    """A base segment from rows already sorted by entry id (`keys`: (n, 2) exact_key rows)."""
    entry_ids = np.ascontiguousarray(entry_ids, dtype=np.int64)
    bank_ids = np.ascontiguousarray(bank_ids, dtype=np.int32)
    alive = np.ones(len(entry_ids), dtype=bool)
    if hamming:
        rows = hashes if hashes is not None else EMPTY_HASHES
        keypoints = is_keypoint_type(signal_type)
        table = HammingTable.rows_only(rows) if keypoints else HammingTable.build(rows)
        return Segment(signal_type, entry_ids, bank_ids, alive, table=table)
    keys = np.zeros((0, 2), np.uint64) if keys is None else keys.reshape(-1, 2)
    order = np.argsort(keys[:, 0], kind="stable").astype(np.int64)
    return Segment(
        signal_type,
        entry_ids,
        bank_ids,
        alive,
        key_hi=np.ascontiguousarray(keys[order, 0]),
        key_order=order,
        key_lo=np.ascontiguousarray(keys[:, 1]),
    )


@dataclass(frozen=True)
class DeltaEntry:
    bank_id: int
    signal_type: str
    value: str


@dataclass
class DeltaView:
    """Materialised delta rows of one signal type (rebuilt whenever the delta changes)."""

    entry_ids: np.ndarray
    bank_ids: np.ndarray
    hashes: np.ndarray = field(default_factory=lambda: EMPTY_HASHES)
    exact: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    keys: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.uint64))  # exact rows
    descriptor_index: Any = None  # keypoint types: faiss flat index, built on first search

    def search(self, query: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray]:
        return brute_force(self.hashes, query, radius)


def delta_view(
    signal_type: str, hamming: bool, entries: Iterable[tuple[int, DeltaEntry]]
) -> DeltaView:
    ids: list[int] = []
    banks: list[int] = []
    blocks: list[np.ndarray] = []
    exact: dict[str, list[tuple[int, int]]] = {}
    keys: list[tuple[int, int]] = []
    for entry_id, entry in sorted(entries, key=lambda item: item[0]):
        rows = expand(signal_type, entry.value, hamming)
        if rows is None:
            continue
        if isinstance(rows, np.ndarray):
            blocks.append(rows)
            ids.extend([entry_id] * len(rows))
            banks.extend([entry.bank_id] * len(rows))
        else:
            exact.setdefault(entry.value, []).append((entry_id, entry.bank_id))
            keys.append(exact_key(entry.value))
            ids.append(entry_id)
            banks.append(entry.bank_id)
    hashes = np.concatenate(blocks) if blocks else EMPTY_HASHES
    return DeltaView(
        np.array(ids, np.int64),
        np.array(banks, np.int32),
        hashes,
        exact,
        np.array(keys, np.uint64).reshape(-1, 2),
    )
