"""Exact nearest-neighbour search over keypoint descriptors (`pdq_crop`), with faiss.

A picture banks up to 256 ORB descriptors, so a bank of a few thousand pictures holds about a
million 256-bit rows, and a scan asks for 256 of them at once at a radius (28 bits) where the
multi-index probe plan is no cheaper than a scan of every row, and where look-alike pictures put
thousands of rows in range of each descriptor. faiss's `IndexBinaryFlat` scans with SIMD
popcounts and its k-nearest search keeps only the few rows wanted: 13-19x faster than the index's
own search on the same rows (bench/crop_index.py, bench/RESULTS.md). Exact, like every other
search in the index.
"""

from __future__ import annotations

from typing import Any

import numpy as np


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
    index: Any, queries: np.ndarray, radius: int, wanted: int, usable: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each query, its `wanted` nearest rows within `radius` among the `usable` ones (a
    bool per row), as flat (query row, row, distance) arrays; exact.

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
    keep[keep] = usable[rows[keep]]
    crowded = (keep.sum(axis=1) < wanted) & (distances[:, -1] <= radius)
    keep[crowded] = False
    query_rows = np.repeat(np.arange(len(queries)), k).reshape(-1, k)
    parts = [(query_rows[keep], rows[keep], distances[keep])]
    if crowded.any():
        again = np.flatnonzero(crowded)
        found_rows, found, found_distances = range_search(index, queries[again], radius)
        ok = usable[found]
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
