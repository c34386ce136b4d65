"""Rule: the pdq_crop keypoint search is exact: for every upload descriptor it returns the
nearest enabled, live bank descriptors within the radius, exactly as a brute force over every
row would, even where disabled rows crowd the nearest places."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from takedown.index import descriptors
from tests.descriptor_support import look_alike_rows


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
    bank, usable, queries = look_alike_rows(np.random.default_rng(seed), rows, 4, disabled_share)
    index = descriptors.flat_index(bank)
    query_rows, found, distances = descriptors.nearest_usable(
        index, queries, radius, 2, usable.__getitem__
    )
    assert usable[found].all()
    assert (np.bitwise_count(bank[found] ^ queries[query_rows]).sum(axis=1) == distances).all()
    got = [sorted(distances[query_rows == q].tolist()) for q in range(len(queries))]
    assert got == _brute_force(bank, queries, radius, 2, usable)
