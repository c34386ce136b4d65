"""PDQ range search finds exactly what a brute-force scan finds: every enabled entry within its
bank's own threshold, with the right distance, whether the entry sits in the base or the delta."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from takedown.banks import service as banks
from takedown.ids import new_id
from takedown.index.hamming import HammingTable, brute_force, hex_to_words
from takedown.index.service import load_index
from takedown.settings import Settings
from takedown.store.db import session_scope


def _near(rng: np.random.Generator, hex_hash: str, distance: int) -> str:
    """A hash `distance` bits away; half the time with the flips spread evenly over all 256 bits,
    the worst case for multi-index hashing (every chunk as far off as the pigeonhole allows)."""
    bits = np.unpackbits(np.frombuffer(bytes.fromhex(hex_hash), np.uint8))
    if distance and rng.random() < 0.5:
        positions = (np.arange(distance) * 256 // distance + int(rng.integers(256))) % 256
    else:
        positions = rng.choice(256, size=distance, replace=False)
    bits[positions] ^= 1
    return np.packbits(bits).tobytes().hex()


def _random_hex(rng: np.random.Generator) -> str:
    return rng.integers(0, 256, 32, dtype=np.uint8).tobytes().hex()


@hsettings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    size=st.one_of(st.integers(0, 50), st.integers(1500, 4000)),
    chunks=st.sampled_from([12, 16, 20, 32]),
    radius=st.integers(0, 48),
    copies=st.sampled_from([0, 0, 40]),
)
def test_table_search_equals_brute_force(
    seed: int, size: int, chunks: int, radius: int, copies: int
) -> None:
    rng = np.random.default_rng(seed)
    hashes = rng.integers(0, 2**64, size=(size, 4), dtype=np.uint64)
    if size and copies:  # one hash banked many times: more hits than the kernel's first buffer
        hashes = np.concatenate([hashes, np.repeat(hashes[:1], copies, axis=0)])
    queries = rng.integers(0, 2**64, size=(8, 4), dtype=np.uint64)
    if size:  # planted near-duplicates: at 0..40 bits, and right at the search radius
        for i in range(8):
            source = 0 if copies and i < 2 else rng.integers(len(hashes))
            hex_hash = hashes[source].astype(">u8").tobytes().hex()
            distance = min(radius, 40) if i % 2 else int(rng.integers(0, 41))
            queries[i] = hex_to_words(_near(rng, hex_hash, distance))[0]
    table = HammingTable.build(hashes, chunks)
    want = [brute_force(hashes, query, radius) for query in queries]
    for probe in (True, None):  # the multi-index probing itself, and the chosen path
        for query, (want_rows, want_dists) in zip(queries, want, strict=True):
            rows, dists = table.search(query, radius, probe=probe)
            assert rows.tolist() == want_rows.tolist()
            assert dists.tolist() == want_dists.tolist()
        # The batch call answers each query as the single one does.
        for (rows, dists), (want_rows, want_dists) in zip(
            table.search_many(queries, radius, probe=probe), want, strict=True
        ):
            assert rows.tolist() == want_rows.tolist()
            assert dists.tolist() == want_dists.tolist()


@hsettings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 2**32 - 1),
    thresholds=st.lists(st.integers(0, 40), min_size=1, max_size=3),
    per_bank=st.integers(1, 150),
    compact=st.booleans(),
)
def test_index_query_equals_brute_force(
    settings: Settings, seed: int, thresholds: list[int], per_bank: int, compact: bool
) -> None:
    rng = np.random.default_rng(seed)
    url = settings.resolved_database_url
    index = load_index(settings)
    planted: list[str] = []
    with session_scope(url) as db_session:
        for threshold in thresholds:
            bank = banks.create_bank(
                db_session=db_session,
                name=new_id("bank"),
                category="csam",
                action="block",
                pdq_threshold=threshold,
            )
            values = [_random_hex(rng) for _ in range(per_bank)]
            banks.add_entries(
                db_session=db_session,
                bank=bank,
                entries=[{"type": "pdq", "value": v} for v in values],
                added_by="test",
            )
            planted += [_near(rng, v, int(rng.integers(0, 41))) for v in values[:5]]
        if rng.random() < 0.5:  # a disabled bank matches nothing
            banks.set_bank_enabled(db_session=db_session, name=bank.name, enabled=False)
    index.refresh()
    if compact:
        index.compact()
    # The reference: every enabled entry of every enabled bank, by a full scan.
    with session_scope(url) as db_session:
        rows = db_session.execute(
            banks.select(banks.BankEntry.id, banks.BankEntry.value, banks.Bank.pdq_threshold)
            .join(banks.Bank, banks.Bank.id == banks.BankEntry.bank_id)
            .where(banks.BankEntry.enabled.is_(True), banks.Bank.enabled.is_(True))
            .where(banks.BankEntry.signal_type == "pdq")
        ).all()
    ids = np.array([r[0] for r in rows])
    words = hex_to_words([r[1] for r in rows])
    limits = np.array([r[2] for r in rows])
    queried = [*planted, _random_hex(rng)]
    wants: list[list[tuple[int, int]]] = []
    for query_hex in queried:
        query = hex_to_words(query_hex)[0]
        _, dist = brute_force(words, query, 256)
        want = sorted(
            (int(d), int(i)) for i, d, lim in zip(ids, dist, limits, strict=True) if d <= lim
        )
        got = sorted((h.distance, h.entry_id) for h in index.query("pdq", query_hex))
        assert got == want
        wants.append(want)
    # A scan's batch of hashes: each answered as its own query is.
    batch = index.query_many("pdq", queried)
    assert [sorted((h.distance, h.entry_id) for h in hits) for hits in batch] == wants
    index.close()
