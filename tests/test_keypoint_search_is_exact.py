"""Rule: the pdq_crop keypoint search is exact: for every upload descriptor it returns the
nearest enabled, live bank descriptors within the radius, exactly as a brute force over every
row would, even where disabled rows crowd the nearest places."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from takedown.index import descriptors


def _brute_force(bank: np.ndarray, queries: np.ndarray, radius: int, wanted: int, usable):  # type: ignore[no-untyped-def]
    answer = []
    for query in queries:
        distances = np.bitwise_count(bank ^ query).sum(axis=1)
        ok = np.flatnonzero((distances <= radius) & usable)
        answer.append(sorted(distances[ok].tolist())[:wanted])
    return answer


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    rows=st.integers(1, 400),
    disabled_share=st.sampled_from([0.0, 0.3, 0.9]),
    radius=st.integers(0, 60),
)
def test_keypoint_search_is_exact(seed: int, rows: int, disabled_share: float, radius: int) -> None:
    rng = np.random.default_rng(seed)
    # Clusters of near-identical descriptors, as look-alike pictures give, plus random rows.
    centres = rng.integers(0, 2**63, (4, 4), dtype=np.uint64)
    bank = centres[rng.integers(0, 4, rows)]
    for _ in range(int(rng.integers(0, 20))):
        bit = rng.integers(0, 256, rows)
        bank[np.arange(rows), bit // 64] ^= np.uint64(1) << (bit % 64).astype(np.uint64)
    bank[: rows // 3] = rng.integers(0, 2**63, (rows // 3, 4), dtype=np.uint64)
    usable = rng.random(rows) >= disabled_share
    queries = np.concatenate([centres, bank[rng.integers(0, rows, 4)]])
    index = descriptors.flat_index(bank)
    query_rows, found, distances = descriptors.nearest_usable(
        index, queries, radius, 2, usable.__getitem__
    )
    assert usable[found].all()
    assert (np.bitwise_count(bank[found] ^ queries[query_rows]).sum(axis=1) == distances).all()
    got = [sorted(distances[query_rows == q].tolist()) for q in range(len(queries))]
    assert got == _brute_force(bank, queries, radius, 2, usable)
