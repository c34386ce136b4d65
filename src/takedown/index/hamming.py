"""Exact Hamming range search over 256-bit hashes by multi-index hashing (Norouzi et al., 2012).

The 256 bits are cut into `m` chunks (each inside one 64-bit word). By the pigeonhole principle a
hash within distance r of the query agrees with it to within floor(r / m) bits in at least one
chunk, so probing every chunk value within that radius and verifying each candidate with a full
popcount finds every match: recall is exact, not approximate.

Per chunk the table is CSR: `order` (row numbers sorted by chunk value) and `offsets` (2**bits + 1
start positions). All chunks share one `order` and one `offsets` array; the probe loop itself
(gather the buckets, popcount the candidates) is a compiled kernel, `probe_kernel.probe_search`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from itertools import combinations, pairwise

import numpy as np

from takedown.index.probe_kernel import probe_search, probe_search_many

WORDS = 4  # 256 bits as four uint64
EMPTY_HASHES = np.zeros((0, WORDS), np.uint64)


def hex_to_words(values: list[str] | str) -> np.ndarray:
    """Hex hashes (64 hex digits each) -> (n, 4) uint64 array; ValueError if malformed."""
    if isinstance(values, str):
        values = [values]
    if not values:
        return EMPTY_HASHES.copy()
    joined = "".join(values)
    if len(joined) != 64 * len(values):
        raise ValueError("a 256-bit hash is 64 hex digits")
    raw = np.frombuffer(bytes.fromhex(joined), dtype=">u8")
    return raw.astype(np.uint64).reshape(-1, WORDS)


def words_to_hex(words: np.ndarray) -> str:
    return words.astype(">u8").tobytes().hex()


def distances(hashes: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Hamming distance of every row of `hashes` (n, 4) to `query` (4,)."""
    # Sum the four per-word counts inside one uint32 (SWAR): much faster than .sum(axis=1).
    counts = np.ascontiguousarray(np.bitwise_count(hashes ^ query)).view(np.uint32).reshape(-1)
    pairs = (counts & 0x00FF00FF) + ((counts >> 8) & 0x00FF00FF)
    return ((pairs & 0xFFFF) + (pairs >> 16)).astype(np.int32)


def chunk_layout(chunks: int) -> list[tuple[int, int, int]]:
    """(word, shift, bits) for `chunks` chunks (a multiple of 4), as even as possible."""
    # 12 chunks = 22-bit tables (16 MB of offsets each); wider chunks would not fit in memory.
    if chunks % WORDS or not 12 <= chunks <= 64:
        raise ValueError("chunks must be a multiple of 4 between 12 and 64")
    per_word = chunks // WORDS
    layout = []
    for word in range(WORDS):
        shift = 0
        for i in range(per_word):
            bits = 64 // per_word + (1 if i < 64 % per_word else 0)
            layout.append((word, shift, bits))
            shift += bits
    return layout


def chunks_for(size: int) -> int:
    """Chunk count for `size` hashes.

    Measured at 10M random hashes, radius 31 (docs/index.md): 12 chunks of 21-22 bits verify ~11k
    candidates a query against ~41k for 16 chunks of 16 bits, and answer 3x faster (p50 0.66 ms
    against 1.97 ms). Their offset tables cost 134 MB, so below 4M entries (where that would push
    an entry past 128 bytes) 16 chunks of 16 bits (a 4 MB table) are used.
    """
    return 12 if size >= 4_000_000 else 16


@cache
def flip_masks(bits: int, radius: int) -> np.ndarray:
    """Every `bits`-bit mask with at most `radius` bits set (the probe neighbourhood)."""
    masks = [0]
    for k in range(1, min(radius, bits) + 1):
        for positions in combinations(range(bits), k):
            mask = 0
            for p in positions:
                mask |= 1 << p
            masks.append(mask)
    return np.array(masks, dtype=np.int64)


@dataclass
class HammingTable:
    """An immutable multi-index-hashing table over `hashes` (n, 4) uint64."""

    hashes: np.ndarray
    layout: list[tuple[int, int, int]]
    order: np.ndarray  # uint32 (chunks * n,): per chunk, row numbers sorted by chunk value
    offsets: np.ndarray  # uint32 (sum of 2**bits + 1): per chunk CSR starts, chunk-relative
    bases: np.ndarray  # int64 (chunks,): where each chunk's offsets begin
    plans: dict[int, ProbePlan] = field(default_factory=dict, repr=False)  # by search radius

    def __post_init__(self) -> None:
        # Read-only plain views whether built here or mapped from a snapshot: the compiled kernel
        # then sees one set of array types, compiled (or read from numba's cache) right here, at
        # build or load, never on a query.
        self.hashes, self.order, self.offsets = (
            _read_only(array) for array in (self.hashes, self.order, self.offsets)
        )
        compile_probe_kernel()

    @classmethod
    def build(cls, hashes: np.ndarray, chunks: int | None = None) -> HammingTable:
        hashes = np.ascontiguousarray(hashes, dtype=np.uint64).reshape(-1, WORDS)
        n = len(hashes)
        layout = chunk_layout(chunks or chunks_for(n))
        order = np.empty(len(layout) * n, dtype=np.uint32)
        offset_parts = []
        bases = []
        base = 0
        for c, (word, shift, bits) in enumerate(layout):
            values = _chunk_values(hashes[:, word], shift, bits)
            order[c * n : (c + 1) * n] = _sort_rows(values, bits)
            counts = np.bincount(values, minlength=1 << bits)
            starts = np.zeros((1 << bits) + 1, dtype=np.uint32)
            np.cumsum(counts, out=starts[1:])
            offset_parts.append(starts)
            bases.append(base)
            base += (1 << bits) + 1
        offsets = np.concatenate(offset_parts) if offset_parts else np.zeros(0, np.uint32)
        return cls(hashes, layout, order, offsets, np.array(bases, dtype=np.int64))

    @classmethod
    def rows_only(cls, hashes: np.ndarray) -> HammingTable:
        """The rows without chunk tables, searched by a scan: for keypoint rows, which faiss
        searches (index/descriptors.py), so postings would be memory never read."""
        hashes = np.ascontiguousarray(hashes, dtype=np.uint64).reshape(-1, WORDS)
        none = np.zeros(0, np.uint32)
        return cls(hashes, [], none, none, np.zeros(0, np.int64))

    def __len__(self) -> int:
        return len(self.hashes)

    @property
    def nbytes(self) -> int:
        return self.hashes.nbytes + self.order.nbytes + self.offsets.nbytes

    def chunk_radii(self, radius: int) -> list[int]:
        """Search radius per chunk (Norouzi et al. 2012, sec. 3.1): with radius = s*m + a, a match
        is within s bits in one of any a + 1 chunks or within s - 1 bits in one of the others
        (else its distance would be at least (a+1)(s+1) + (m-a-1)s = radius + 1). The wider chunks
        (fewer entries a bucket) take the wider radius."""
        m = len(self.layout)
        s, a = divmod(radius, m)
        widest_first = sorted(range(m), key=lambda c: -self.layout[c][2])
        radii = [s - 1] * m
        for c in widest_first[: a + 1]:
            radii[c] = s
        return radii

    def _plan(self, radius: int) -> ProbePlan:
        """Every probe of one query at `radius`, as arrays (built once per radius)."""
        plan = self.plans.get(radius)
        if plan is None:
            n = len(self.hashes)
            radii = self.chunk_radii(radius)
            flips = [
                flip_masks(bits, r) if r >= 0 else np.zeros(0, np.int64)
                for (_, _, bits), r in zip(self.layout, radii, strict=True)
            ]
            plan = ProbePlan(
                chunk_word=np.array([word for word, _, _ in self.layout], np.int64),
                chunk_shift=np.array([shift for _, shift, _ in self.layout], np.uint64),
                chunk_mask=np.array([(1 << bits) - 1 for _, _, bits in self.layout], np.uint64),
                chunk_radius=np.array(radii, np.int64),
                chunk_base=np.array(self.bases, np.int64),
                flips=np.concatenate(flips).astype(np.uint64),
                flip_starts=np.concatenate([[0], np.cumsum([len(f) for f in flips])]).astype(
                    np.int64
                ),
                cost=sum(
                    len(f) * (1 + n / (1 << bits))
                    for f, (_, _, bits) in zip(flips, self.layout, strict=True)
                ),
            )
            self.plans[radius] = plan
        return plan

    def search(
        self, query: np.ndarray, radius: int, *, probe: bool | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(rows, distances) of every hash within `radius` of `query`, sorted by row, each once.

        `probe`: True always probes the tables, False always scans; None picks the cheaper.
        """
        if probe is False or (probe is None and self._probe_cost(radius) > len(self.hashes) // 4):
            return brute_force(self.hashes, query, radius)  # wide radius: a scan is cheaper
        if len(self.hashes) == 0 or radius < 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int32)
        plan = self._plan(radius)
        return probe_search(
            self.hashes,
            self.order,
            self.offsets,
            np.array(query, np.uint64),  # a writable copy: the type compiled at load
            int(radius),  # an int64, as compiled
            *plan.kernel_arrays,
        )

    def search_many(
        self, queries: np.ndarray, radius: int, *, probe: bool | None = None
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """`search` for each row of `queries` (k, 4), in one compiled call when probing."""
        queries = np.array(queries, np.uint64).reshape(-1, WORDS)  # a writable copy, as compiled
        if probe is False or (probe is None and self._probe_cost(radius) > len(self.hashes) // 4):
            return brute_force_many(self.hashes, queries, radius)
        if len(self.hashes) == 0 or radius < 0:
            return [(np.zeros(0, np.int64), np.zeros(0, np.int32)) for _ in queries]
        plan = self._plan(radius)
        rows, dists, ends = probe_search_many(
            self.hashes,
            self.order,
            self.offsets,
            queries,
            int(radius),  # an int64, as compiled
            *plan.kernel_arrays,
        )
        bounds = [0, *ends.tolist()]
        return [(rows[start:end], dists[start:end]) for start, end in pairwise(bounds)]

    def _probe_cost(self, radius: int) -> float:
        """Expected probes plus candidates for `radius` on uniformly random hashes."""
        if not self.layout:
            return math.inf  # rows only: always scanned
        per_chunk = radius // len(self.layout)
        if math.comb(64, min(per_chunk, 64)) > len(self.hashes):
            return math.inf  # a wide radius: do not even enumerate the probes
        return self._plan(radius).cost


@dataclass(frozen=True)
class ProbePlan:
    """The probes of one search radius, per chunk, as the compiled kernel reads them."""

    chunk_word: np.ndarray  # which uint64 of a hash holds the chunk
    chunk_shift: np.ndarray
    chunk_mask: np.ndarray
    chunk_radius: np.ndarray  # bits flipped at most within the chunk; -1: not probed
    chunk_base: np.ndarray  # where the chunk's offsets begin
    flips: np.ndarray  # the flip masks of every chunk, back to back
    flip_starts: np.ndarray  # chunk c's masks: flips[flip_starts[c] : flip_starts[c + 1]]
    cost: float

    @property
    def kernel_arrays(self) -> tuple[np.ndarray, ...]:
        """The plan's arrays in the order the probe kernels take them."""
        return (
            self.chunk_word,
            self.chunk_shift,
            self.chunk_mask,
            self.chunk_radius,
            self.chunk_base,
            self.flips,
            self.flip_starts,
        )


@cache
def compile_probe_kernel() -> None:
    """Compile the probe kernels for the array types every table hands them (or load them from
    numba's on-disk cache), on a one-row, one-chunk table whose answer is known."""
    one_row = (
        _read_only(np.zeros((1, WORDS), np.uint64)),  # hashes
        _read_only(np.zeros(1, np.uint32)),  # order
        _read_only(np.array([0, 1, 1], np.uint32)),  # offsets of a 1-bit chunk: value 0 holds it
    )
    plan = (
        np.zeros(1, np.int64),  # word
        np.zeros(1, np.uint64),  # shift
        np.ones(1, np.uint64),  # mask
        np.ones(1, np.int64),  # probe radius
        np.zeros(1, np.int64),  # base
        np.array([0, 1], np.uint64),  # flips
        np.array([0, 2], np.int64),  # flip starts
    )
    rows, dists = probe_search(*one_row, np.zeros(WORDS, np.uint64), 0, *plan)
    many_rows, many_dists, ends = probe_search_many(
        *one_row, np.zeros((2, WORDS), np.uint64), 0, *plan
    )
    if (rows.tolist(), dists.tolist()) != ([0], [0]) or (
        many_rows.tolist(),
        many_dists.tolist(),
        ends.tolist(),
    ) != ([0, 0], [0, 0], [1, 2]):
        raise RuntimeError("the compiled probe kernel gave a wrong answer")


def _read_only(array: np.ndarray) -> np.ndarray:
    view = np.ascontiguousarray(array).view()
    view.flags.writeable = False
    return view


def brute_force(
    hashes: np.ndarray, query: np.ndarray, radius: int
) -> tuple[np.ndarray, np.ndarray]:
    """(rows, distances) within `radius`, by scanning everything (the reference and the delta)."""
    if len(hashes) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int32)
    dist = distances(hashes, query)
    rows = np.nonzero(dist <= radius)[0]
    return rows, dist[rows]


def brute_force_many(
    hashes: np.ndarray, queries: np.ndarray, radius: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """`brute_force` for each row of `queries`, all in one faiss `IndexBinaryFlat` range search
    (a SIMD popcount scan): a small table asked thousands of hashes, as the lookback asks it,
    costs 27x less than numpy's XOR-and-count (measured: bench/RESULTS.md, "Lookback")."""
    import faiss

    empty = (np.zeros(0, np.int64), np.zeros(0, np.int32))
    if len(hashes) == 0 or radius < 0:
        return [empty for _ in queries]
    flat = faiss.IndexBinaryFlat(WORDS * 64)
    # Bytes in any order: a Hamming distance counts the same bits however they are grouped.
    flat.add(np.ascontiguousarray(hashes, np.uint64).view(np.uint8))
    limits, dists, rows = flat.range_search(
        np.ascontiguousarray(queries, np.uint64).view(np.uint8),
        radius + 1,  # faiss: d < radius
    )
    bounds = limits.tolist()
    return [
        (rows[start:end].astype(np.int64), dists[start:end].astype(np.int32))
        for start, end in pairwise(bounds)
    ]


def _sort_rows(values: np.ndarray, bits: int) -> np.ndarray:
    """Row numbers ordered by chunk value: numpy radix-sorts 16-bit keys, so wider keys go as
    two 16-bit passes (least significant first; each pass is stable)."""
    if bits <= 16:
        return np.argsort(values, kind="stable")
    low_bits = bits // 2
    by_low = np.argsort((values & ((1 << low_bits) - 1)).astype(np.uint16), kind="stable")
    high = (values[by_low] >> low_bits).astype(np.uint16)
    return by_low[np.argsort(high, kind="stable")]


def _chunk_values(words: np.ndarray, shift: int, bits: int) -> np.ndarray:
    values = (words >> np.uint64(shift)) & np.uint64((1 << bits) - 1)
    return values.astype(np.uint32 if bits > 16 else np.uint16)
