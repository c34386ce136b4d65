"""The multi-index probe loop, compiled (numba): gather every probed bucket's postings, popcount
each candidate against the query and keep the hits, with no numpy call per step.

Memory latency is the cost (at 10M entries ~2,000 probes into a 134 MB offset table and ~7,000
candidates scattered over 320 MB of hashes a query), so the kernel works in passes of independent
loads and asks for each cache line AHEAD iterations before it needs it; the CPU then keeps many
misses in flight instead of waiting on one at a time.

A row can sit in a probed bucket of several chunks. It is kept only from the first chunk in which
it is a candidate (its chunk distance there within that chunk's probe radius), checked from the
row's own hash, so every hit comes out once without a set or a sort of the candidates.
See docs/index.md.
"""

# numba's intrinsics are typed for their compile-time signature (typing context first), not for
# the calls compiled code makes to them; the annotations here document the kernel's arrays.
# mypy: disable-error-code="call-arg"

from __future__ import annotations

from typing import Any

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

Array = np.ndarray
FIRST_CAPACITY = 16  # hits buffer; doubles when full (a random query has none at 10M)
AHEAD = 16  # loads requested this many iterations before they are used


@intrinsic
def _popcount(typingctx: Any, value: Any) -> Any:
    """LLVM's ctpop: one POPCNT instruction on the host CPU."""
    sig = types.int64(types.uint64)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.ctpop(args[0])

    return sig, codegen


@intrinsic
def _prefetch(typingctx: Any, array: Any, index: Any) -> Any:
    """Ask for the cache line of array[index] (the first element of row `index` of a 2-d array)
    without waiting for it: LLVM's prefetch, read, keep in all cache levels."""
    sig = types.void(array, index)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        array_type = signature.args[0]
        array = context.make_array(array_type)(context, builder, args[0])
        zero = ir.Constant(args[1].type, 0)
        indices = [args[1]] + [zero] * (array_type.ndim - 1)
        pointer = cgutils.get_item_pointer(
            context, builder, array_type, array, indices, wraparound=False
        )
        byte_pointer = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        prefetch = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32]),
            "llvm.prefetch.p0",
        )
        read, keep, data = ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)
        builder.call(prefetch, [builder.bitcast(pointer, byte_pointer), read, keep, data])
        return context.get_dummy_value()

    return sig, codegen


@njit(cache=True, nogil=True, inline="always")
def _distance(hashes: Array, row: np.int64, q0: int, q1: int, q2: int, q3: int) -> int:
    return (
        _popcount(hashes[row, 0] ^ q0)
        + _popcount(hashes[row, 1] ^ q1)
        + _popcount(hashes[row, 2] ^ q2)
        + _popcount(hashes[row, 3] ^ q3)
    )


@njit(cache=True, nogil=True)
def probe_search(
    hashes: Array,  # (n, 4) uint64
    order: Array,  # uint32 (chunks * n)
    offsets: Array,  # uint32: every chunk's CSR starts, chunk-relative
    query: Array,  # (4,) uint64
    radius: int,
    chunk_word: Array,  # int64 (chunks,)
    chunk_shift: Array,  # uint64 (chunks,)
    chunk_mask: Array,  # uint64 (chunks,)
    chunk_radius: Array,  # int64 (chunks,): the probe radius within each chunk, -1 to skip it
    chunk_base: Array,  # int64 (chunks,): where each chunk's offsets begin
    flips: Array,  # uint64: the flip masks of every probed chunk, back to back
    flip_starts: Array,  # int64 (chunks + 1,): chunk c's are flips[flip_starts[c]:flip_starts[c+1]]
) -> tuple[Array, Array]:
    """(rows, distances) within `radius` of `query`, sorted by row, each row once."""
    n = hashes.shape[0]
    chunks = chunk_word.shape[0]
    # Three passes over independent loads, each asking for its data AHEAD iterations early, so the
    # CPU keeps many cache misses in flight instead of one: a loop whose trip count comes from a
    # just-missed load stalls once per bucket (measured: see docs/index.md).
    # 1. every probed bucket's postings range.
    probes = flip_starts[chunks]
    slots = np.empty(probes, np.int64)
    for c in range(chunks):
        value = (query[chunk_word[c]] >> chunk_shift[c]) & chunk_mask[c]
        for p in range(flip_starts[c], flip_starts[c + 1]):
            slots[p] = chunk_base[c] + np.int64(value ^ flips[p])
    starts = np.empty(probes, np.int64)
    stops = np.empty(probes, np.int64)
    for c in range(chunks):
        first_row = c * n
        for p in range(flip_starts[c], flip_starts[c + 1]):
            if p + AHEAD < probes:
                _prefetch(offsets, slots[p + AHEAD])
            starts[p] = first_row + offsets[slots[p]]
            stops[p] = first_row + offsets[slots[p] + 1]
    # 2. the candidate rows, chunk by chunk (postings are contiguous within a bucket).
    total = 0
    for p in range(probes):
        total += stops[p] - starts[p]
    candidates = np.empty(total, np.uint32)
    chunk_ends = np.empty(chunks, np.int64)  # chunk c's candidates end here
    filled = 0
    for c in range(chunks):
        for p in range(flip_starts[c], flip_starts[c + 1]):
            if p + AHEAD < probes:  # (an empty last bucket points one past the end: a
                _prefetch(order, starts[p + AHEAD])  # prefetch never faults)
            for position in range(starts[p], stops[p]):
                candidates[filled] = order[position]
                filled += 1
        chunk_ends[c] = filled
    # 3. the full distance of each candidate; a hit is kept in the first chunk that found it.
    q0, q1, q2, q3 = query[0], query[1], query[2], query[3]
    found_rows = np.empty(FIRST_CAPACITY, np.int64)
    found_dists = np.empty(FIRST_CAPACITY, np.int32)
    found = 0
    begin = 0
    for c in range(chunks):
        for k in range(begin, chunk_ends[c]):
            if k + AHEAD < total:
                _prefetch(hashes, np.int64(candidates[k + AHEAD]))
            row = np.int64(candidates[k])
            distance = _distance(hashes, row, q0, q1, q2, q3)
            if distance > radius or _found_earlier(
                hashes, row, query, c, chunk_word, chunk_shift, chunk_mask, chunk_radius
            ):
                continue
            if found == found_rows.shape[0]:
                found_rows = _grown(found_rows, found)
                found_dists = _grown(found_dists, found)
            found_rows[found] = row
            found_dists[found] = distance
            found += 1
        begin = chunk_ends[c]
    by_row = np.argsort(found_rows[:found])
    return found_rows[:found][by_row], found_dists[:found][by_row]


@njit(cache=True, nogil=True)
def _found_earlier(
    hashes: Array,
    row: np.int64,
    query: Array,
    chunk: int,
    chunk_word: Array,
    chunk_shift: Array,
    chunk_mask: Array,
    chunk_radius: Array,
) -> bool:
    """Whether `row` was a candidate of a chunk probed before `chunk`."""
    for earlier in range(chunk):
        word = chunk_word[earlier]
        apart = ((hashes[row, word] ^ query[word]) >> chunk_shift[earlier]) & chunk_mask[earlier]
        if _popcount(apart) <= chunk_radius[earlier]:
            return True
    return False


@njit(cache=True, nogil=True)
def _grown(array: Array, used: int) -> Array:
    bigger = np.empty(2 * array.shape[0], array.dtype)
    bigger[:used] = array[:used]
    return bigger


@njit(cache=True, nogil=True)
def probe_search_many(
    hashes: Array,
    order: Array,
    offsets: Array,
    queries: Array,  # (k, 4) uint64
    radius: int,
    chunk_word: Array,
    chunk_shift: Array,
    chunk_mask: Array,
    chunk_radius: Array,
    chunk_base: Array,
    flips: Array,
    flip_starts: Array,
) -> tuple[Array, Array, Array]:
    """`probe_search` for each of `queries` in one call: (rows, distances, ends), query i's hits
    being rows[ends[i - 1]:ends[i]]."""
    ends = np.empty(queries.shape[0], np.int64)
    all_rows = np.empty(FIRST_CAPACITY, np.int64)
    all_dists = np.empty(FIRST_CAPACITY, np.int32)
    used = 0
    for i in range(queries.shape[0]):
        rows, dists = probe_search(
            hashes,
            order,
            offsets,
            queries[i],
            radius,
            chunk_word,
            chunk_shift,
            chunk_mask,
            chunk_radius,
            chunk_base,
            flips,
            flip_starts,
        )
        while used + rows.shape[0] > all_rows.shape[0]:
            all_rows = _grown(all_rows, used)
            all_dists = _grown(all_dists, used)
        all_rows[used : used + rows.shape[0]] = rows
        all_dists[used : used + rows.shape[0]] = dists
        used += rows.shape[0]
        ends[i] = used
    return all_rows[:used], all_dists[:used], ends
