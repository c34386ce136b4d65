"""Nearest-neighbour search over keypoint descriptors (`pdq_crop`), with faiss.

A picture banks up to 256 ORB descriptors, so a bank of a few thousand pictures holds about a
million 256-bit rows, and a scan asks for 256 of them at once at a radius (28 bits) where the
multi-index probe plan is no cheaper than a scan of every row (ORB's bits are far from uniform),
and where look-alike pictures put thousands of rows in range of each descriptor.

- Up to `settings.crop_search_exact_rows` rows: faiss's `IndexBinaryFlat`, a SIMD popcount scan
  of every row whose k-nearest search keeps only the few rows wanted. Exact.
- Above: faiss's `IndexBinaryIVF`. The rows are split into lists around centroids sampled from
  the rows themselves (k-means found no better lists on ORB descriptors and costs seconds more),
  and a query scans only the `NPROBE` lists nearest to it. Not exact: a descriptor's near twin
  can sit in a list not probed. That is acceptable here and nowhere else in the index because a
  descriptor only votes for where to look; a picture needs `MIN_INLIERS` votes and the PDQ of the
  aligned region decides. bench/crop_index.py measures both searches side by side: the clustered
  one keeps 94-98 % of the right picture's votes, finds the same crops, and is 53x faster at
  4 million rows and 89x at 8 million (bench/RESULTS.md).

The row-to-list assignment is the costly part (every row against every centroid), so it is
computed when a base segment is built (compaction, in the background) and kept in the snapshot.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

ROWS_PER_LIST = 1024  # the clustered index's lists hold about this many rows
MAX_LISTS = 16_384
NPROBE = 16  # lists scanned a query: the right picture's votes fall by 3-5 % (bench)
ASSIGN_BATCH = 262_144  # rows assigned to lists at a time (bounds faiss's result buffers)


@dataclass(frozen=True)
class Clusters:
    """How a clustered index splits a segment's rows: centroids (rows of the segment) and each
    row's list."""

    centroids: np.ndarray  # (lists, 4) uint64
    assignment: np.ndarray  # (rows,) int32 (at most MAX_LISTS lists)


def cluster(hashes: np.ndarray, rows_per_list: int | None = None) -> Clusters:
    """Split (n, 4) uint64 rows (n >= 1) into a power of two of lists of about `rows_per_list`
    (default ROWS_PER_LIST) rows; deterministic."""
    import faiss

    rows = len(hashes)
    wanted = rows / (rows_per_list or ROWS_PER_LIST)
    lists = min(rows, MAX_LISTS, 2 ** max(0, round(math.log2(max(1.0, wanted)))))
    picked = np.random.default_rng(rows).choice(rows, lists, replace=False)
    centroids = np.ascontiguousarray(np.asarray(hashes)[np.sort(picked)])
    quantizer = faiss.IndexBinaryFlat(256)
    quantizer.add(as_bytes(centroids))
    assignment = np.empty(rows, np.int32)
    for start in range(0, rows, ASSIGN_BATCH):
        _, nearest = quantizer.search(as_bytes(hashes[start : start + ASSIGN_BATCH]), 1)
        assignment[start : start + ASSIGN_BATCH] = nearest[:, 0]
    return Clusters(centroids, assignment)


def clustered_index(hashes: np.ndarray, clusters: Clusters) -> Any:
    """A faiss IVF index over (n, 4) uint64 rows in row order, lists as `clusters` says."""
    import faiss

    quantizer = faiss.IndexBinaryFlat(256)
    quantizer.add(as_bytes(clusters.centroids))
    index = faiss.IndexBinaryIVF(quantizer, 256, len(clusters.centroids))
    index.is_trained = True  # the centroids are given, not trained
    index.nprobe = min(NPROBE, len(clusters.centroids))
    if len(hashes):
        data = np.ascontiguousarray(as_bytes(hashes))
        lists = np.ascontiguousarray(clusters.assignment, dtype=np.int64)
        # add_core takes each row's list instead of searching the quantizer again (not in
        # faiss's type stubs)
        index.add_core(  # type: ignore[attr-defined]
            len(data), faiss.swig_ptr(data), None, faiss.swig_ptr(lists)
        )
    return index


def flat_index(hashes: np.ndarray) -> Any:
    """A faiss flat binary index over (n, 4) uint64 rows, in row order."""
    import faiss

    index = faiss.IndexBinaryFlat(256)
    if len(hashes):
        index.add(as_bytes(hashes))
    return index


def as_bytes(hashes: np.ndarray) -> np.ndarray:
    """(n, 4) uint64 rows as (n, 32) uint8, the inverse of `keypoints.descriptor_words`."""
    return np.frombuffer(np.ascontiguousarray(hashes).astype(">u8").tobytes(), np.uint8).reshape(
        -1, 32
    )


def range_search(
    index: Any, queries: np.ndarray, radius: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every row within `radius` bits of each query ((n, 4) uint64 rows), as flat arrays:
    (query row, row, distance)."""
    if index.ntotal == 0 or len(queries) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    limits, distances, rows = index.range_search(as_bytes(queries), radius + 1)  # faiss: < radius
    query_rows = np.repeat(np.arange(len(queries)), np.diff(limits).astype(np.int64))
    return query_rows, rows.astype(np.int64), distances.astype(np.int64)


# Rows asked of faiss per descriptor beyond the ones wanted, room for disabled rows.
SLACK = 6


def nearest_usable(
    index: Any,
    queries: np.ndarray,
    radius: int,
    wanted: int,
    usable: Callable[[np.ndarray], np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each query, its `wanted` nearest rows within `radius` among the usable ones, as flat
    (query row, row, distance) arrays: exact with a flat index, among the probed lists with a
    clustered one. `usable` says which of the rows it is given may match (asked only of the
    rows found, not of every row of the segment).

    faiss's k-nearest search returns `wanted + SLACK` rows a query without collecting every row
    in range (look-alike pictures put thousands of rows within 28 bits of a descriptor). A query
    whose k-th row is still in range but which got fewer than `wanted` usable rows (disabled
    rows crowded them out) is asked again with the full range search.
    """
    if index.ntotal == 0 or len(queries) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    k = min(wanted + SLACK, index.ntotal)
    distances, rows = index.search(as_bytes(queries), k)
    distances, rows = distances.astype(np.int64), rows.astype(np.int64)
    keep = (rows >= 0) & (distances <= radius)
    keep[keep] = usable(rows[keep])
    crowded = (keep.sum(axis=1) < wanted) & (distances[:, -1] <= radius)
    keep[crowded] = False
    query_rows = np.repeat(np.arange(len(queries)), k).reshape(-1, k)
    parts = [(query_rows[keep], rows[keep], distances[keep])]
    if crowded.any():
        again = np.flatnonzero(crowded)
        found_rows, found, found_distances = range_search(index, queries[again], radius)
        ok = usable(found)
        parts.append((again[found_rows[ok]], found[ok], found_distances[ok]))
    query_rows, rows, distances = (np.concatenate(column) for column in zip(*parts, strict=True))
    chosen = nearest_first(query_rows, distances, rows, wanted)
    return query_rows[chosen], rows[chosen], distances[chosen]


def nearest_first(
    query_rows: np.ndarray, distances: np.ndarray, ties: np.ndarray, wanted: int
) -> np.ndarray:
    """Indices of the `wanted` nearest hits of each query (equal distances: lowest `ties`
    first), ordered by query, then distance."""
    order = np.lexsort((ties, distances, query_rows))
    starts = np.searchsorted(query_rows[order], query_rows[order], "left")
    return order[np.arange(len(order)) - starts < wanted]
