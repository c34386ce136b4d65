"""Keypoint descriptor rows for the descriptor-search tests: families of near-identical rows, as
look-alike pictures give, plus random rows, some of them disabled."""

from __future__ import annotations

import numpy as np


def look_alike_rows(
    rng: np.random.Generator, rows: int, families: int, disabled_share: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bank rows, usable flag per row, queries): (n, 4) uint64 rows; the queries are every
    family's centre and as many bank rows."""
    centres = rng.integers(0, 2**63, (families, 4), dtype=np.uint64)
    bank = centres[rng.integers(0, families, rows)]
    for _ in range(int(rng.integers(0, 20))):
        bit = rng.integers(0, 256, rows)
        bank[np.arange(rows), bit // 64] ^= np.uint64(1) << (bit % 64).astype(np.uint64)
    bank[: rows // 3] = rng.integers(0, 2**63, (rows // 3, 4), dtype=np.uint64)
    usable = rng.random(rows) >= disabled_share
    queries = np.concatenate([centres, bank[rng.integers(0, rows, families)]])
    return bank, usable, queries
