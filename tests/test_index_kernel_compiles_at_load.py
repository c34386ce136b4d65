"""The compiled probe kernel is ready once a table is built or a snapshot is mapped: a query
compiles nothing (compiling takes seconds; a warm query at 10M well under a millisecond)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from takedown.index import snapshot
from takedown.index.changelog import ChangeCursor
from takedown.index.probe_kernel import probe_search, probe_search_many
from takedown.index.segments import build_segment


def _compiled() -> tuple[int, int]:
    return len(probe_search.signatures), len(probe_search_many.signatures)


def test_queries_on_built_and_mapped_tables_compile_nothing(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    hashes = rng.integers(0, 2**64, size=(20_000, 4), dtype=np.uint64)
    ids = np.arange(1, len(hashes) + 1, dtype=np.int64)
    segment = build_segment("pdq", True, ids, np.ones(len(hashes), np.int32), hashes=hashes)
    snapshot.save(tmp_path, {"pdq": segment}, ChangeCursor(), "fingerprint")
    loaded = snapshot.load(tmp_path, "fingerprint")
    assert loaded is not None
    mapped = loaded[0]["pdq"].table
    built = segment.table
    assert built is not None and mapped is not None
    assert _compiled() == (1, 1)  # one set of array types, compiled when the table was made
    queries = hashes[:5] ^ np.uint64(0b111)  # 3 bits from a banked hash
    for table in (built, mapped):
        for query in queries:
            rows, dists = table.search(query, np.int32(31), probe=True)
            assert len(rows) > 0 and dists.max() <= 31
        assert all(len(rows) for rows, _ in table.search_many(queries, 31, probe=True))
    assert _compiled() == (1, 1)
