"""Benchmark 2 (Index): PDQ range search at distance 31 over uniformly random hashes.

Side by side in one run, per size: Takedown's MatchIndex through its serving query paths (one
hash a call with `query`; and a scan's batch of hashes a call with `query_many`, labelled as such
and timed per hash), a numpy brute force (the recall reference), faiss IndexBinaryFlat
range_search, and python-threatexchange's PDQIndex (FAISS MultiHash 16x16, what HMA serves) with
one faiss thread and with faiss's default threads. Half the queries are planted near-duplicates
of banked hashes at distances 0..40, half are uniformly random.

    .venv/bin/python bench/index_bench.py --sizes 100000,1000000,10000000 --results bench/RESULTS.md
"""

from __future__ import annotations

import os

# OpenMP workers that spin after a multi-threaded faiss call would steal CPU from whichever method
# runs next in the interleaved loop; passive waiting keeps the measurements independent.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import gc
import platform
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np

from takedown.index import snapshot
from takedown.index.changelog import ChangeCursor
from takedown.index.hamming import distances
from takedown.index.service import BankInfo, MatchIndex
from takedown.settings import Settings

RADIUS = 31
# faiss's default: one OpenMP thread per CPU this process may run on. Not omp_get_max_threads()
# here: importing takedown.signals caps BLAS at one thread (threadpoolctl), and faiss's OpenBLAS
# is built on OpenMP, so that also lowers the process's OpenMP default to 1.
DEFAULT_FAISS_THREADS = len(os.sched_getaffinity(0))
BATCH = 30  # hashes a scan queries per upload: 8 dihedral PDQ variants plus region hashes
SINGLE = "Takedown MatchIndex.query"
BATCHED = f"Takedown MatchIndex.query_many (batches of {BATCH}, per hash)"
TX_ONE = "python-threatexchange PDQIndex (1 faiss thread)"
TX_DEFAULT = f"python-threatexchange PDQIndex (default threads: {DEFAULT_FAISS_THREADS})"


def make_data(size: int, queries: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hashes, queries, planted distance or -1), uniformly random with planted near-duplicates."""
    rng = np.random.default_rng(seed)
    hashes = rng.integers(0, 2**64, size=(size, 4), dtype=np.uint64)
    query = rng.integers(0, 2**64, size=(queries, 4), dtype=np.uint64)
    planted = np.full(queries, -1)
    for i in range(0, queries, 2):
        source = hashes[rng.integers(size)]
        bits = np.unpackbits(source.astype(">u8").view(np.uint8))
        distance = int(rng.integers(0, 41))
        bits[rng.choice(256, size=distance, replace=False)] ^= 1
        query[i] = np.packbits(bits).view(">u8").astype(np.uint64)
        planted[i] = distance
    return hashes, query, planted


def timed_queries(
    search: Callable[[int], set[int]], count: int
) -> tuple[list[set[int]], np.ndarray]:
    found, latencies = [], []
    for i in range(count):
        started = time.perf_counter()
        found.append(search(i))
        latencies.append(time.perf_counter() - started)
    return found, np.array(latencies)


def recall(found: list[set[int]], truth: list[set[int]]) -> tuple[float, int]:
    expected = sum(len(t) for t in truth)
    hit = sum(len(f & t) for f, t in zip(found, truth, strict=False))
    extra = sum(len(f - t) for f, t in zip(found, truth, strict=False))
    return (hit / expected if expected else 1.0), extra


def row(name: str, size: int, build: float, lat: np.ndarray, rec: float, extra: int, mem: float):
    """One table row; a batched method's latencies are per hash (its batch's time / batch)."""
    return {
        "method": name,
        "size": size,
        "qps": len(lat) / lat.sum(),
        "p50_ms": float(np.percentile(lat, 50) * 1e3),
        "p99_ms": float(np.percentile(lat, 99) * 1e3),
        "build_s": build,
        "recall": rec,
        "false_hits": extra,
        "bytes_per_entry": mem,
        "queries": len(lat),
    }


@dataclass
class Method:
    name: str
    build_s: float
    bytes_per_entry: float
    search: Callable[[int], set[int]]  # query number -> entry ids found
    queries: int
    found: list[set[int]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # CPU time per query, all threads
    alone: list[float] = field(default_factory=list)  # wall time per query, run on its own
    batch: int = 1  # > 1: search(i) answers queries i..i+batch-1 at i % batch == 0

    def per_hash(self, times: list[float]) -> np.ndarray:
        """Per-query times; a batch's time spread evenly over its hashes."""
        times_array = np.array(times)
        if self.batch == 1:
            return times_array
        sums = np.add.reduceat(times_array, np.arange(0, len(times_array), self.batch))
        sizes = np.diff(np.append(np.arange(0, len(times_array), self.batch), len(times_array)))
        return np.repeat(sums / sizes, sizes)


def bench_size(
    size: int, queries: int, slow_queries: int, seed: int, faiss_threads: int
) -> tuple[list[dict], dict]:
    hashes, query, planted = make_data(size, queries, seed)
    extra: dict = {"size": size}
    hex_queries = [q.astype(">u8").tobytes().hex() for q in query]
    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="index-bench-")))
    bank = BankInfo(1, "bench", "csam", "block", RADIUS, {}, True)
    methods = [
        _brute_force(hashes, query, slow_queries),
        *_takedown(settings, bank, hashes, hex_queries, queries, extra),
        _faiss_flat(hashes, query, slow_queries),
        *_threatexchange(hashes, hex_queries, slow_queries, faiss_threads),
    ]
    # Interleaved: query i goes to every method back to back, so a busy spell on this shared
    # machine hits all of them alike instead of whichever happened to be running.
    for i in range(queries):
        for method in methods:
            if i < method.queries:
                started, cpu_started = time.perf_counter(), time.process_time()
                method.found.append(method.search(i))
                method.latencies.append(time.perf_counter() - started)
                method.cpu.append(time.process_time() - cpu_started)
    # Then each method alone, its queries back to back: its own data stays in the caches, as on
    # a server that does nothing else.
    for method in methods:
        for i in range(method.queries):
            started = time.perf_counter()
            method.search(i)
            method.alone.append(time.perf_counter() - started)
    truth = [set((np.nonzero(distances(hashes, q) <= RADIUS)[0] + 1).tolist()) for q in query]
    extra["planted_found"] = sum(
        1 for i, d in enumerate(planted) if 0 <= d <= RADIUS and truth[i]
    ) / max(1, sum(1 for d in planted if 0 <= d <= RADIUS))
    rows = []
    for method in methods:
        rec, false_hits = recall(method.found, truth[: method.queries])
        result = row(
            method.name,
            size,
            method.build_s,
            method.per_hash(method.latencies),
            rec,
            false_hits,
            method.bytes_per_entry,
        )
        result["cpu_qps"] = len(method.cpu) / max(sum(method.cpu), 1e-9)
        result["alone_qps"] = len(method.alone) / max(sum(method.alone), 1e-9)
        result["alone_p50_ms"] = float(np.percentile(method.per_hash(method.alone), 50) * 1e3)
        rows.append(result)
    del methods
    gc.collect()
    _restart(settings, bank, hashes, hex_queries, max(slow_queries, 50), extra)
    return rows, extra


def _brute_force(hashes: np.ndarray, query: np.ndarray, count: int) -> Method:
    def search(i: int) -> set[int]:
        return set((np.nonzero(distances(hashes, query[i]) <= RADIUS)[0] + 1).tolist())

    return Method("numpy brute force", 0.0, 32, search, count)


def _takedown(
    settings: Settings,
    bank: BankInfo,
    hashes: np.ndarray,
    hex_queries: list[str],
    count: int,
    extra: dict,
) -> list[Method]:
    """Takedown's MatchIndex through its serving query paths: one hash a call, and batches."""
    started = time.perf_counter()
    index = MatchIndex.from_hashes(settings, hashes, bank)
    build = time.perf_counter() - started
    extra["chunks"] = len(index._base["pdq"].table.layout)

    def search(i: int) -> set[int]:
        return {h.entry_id for h in index.query("pdq", hex_queries[i])}

    batch_answers: dict[int, set[int]] = {}

    def search_batched(i: int) -> set[int]:
        if i % BATCH == 0:
            batch = hex_queries[i : min(i + BATCH, count)]
            for j, hits in enumerate(index.query_many("pdq", batch)):
                batch_answers[i + j] = {h.entry_id for h in hits}
        return batch_answers.pop(i)

    started = time.perf_counter()
    snapshot.save(settings.index_dir, index._base, ChangeCursor(), "bench")
    extra["snapshot_write_s"] = time.perf_counter() - started
    per_entry = index.nbytes / len(hashes)
    return [
        Method(SINGLE, build, per_entry, search, count),
        Method(BATCHED, build, per_entry, search_batched, count, batch=BATCH),
    ]


def _restart(
    settings: Settings,
    bank: BankInfo,
    hashes: np.ndarray,
    hex_queries: list[str],
    count: int,
    extra: dict,
) -> None:
    """A restart: map the snapshot, answer the first query, then run queries on cold pages."""
    started = time.perf_counter()
    loaded = snapshot.load(settings.index_dir, "bench")
    assert loaded is not None
    index = MatchIndex(settings)
    index._base, index._cursor = loaded
    index.banks = {1: bank}
    warming = snapshot.warm(index._base)  # as MatchIndex.load does
    index.query("pdq", hex_queries[0])
    extra["snapshot_load_s"] = time.perf_counter() - started

    def search(i: int) -> set[int]:
        return {h.entry_id for h in index.query("pdq", hex_queries[i])}

    _, lat = timed_queries(search, count)
    extra["mmap_first_queries_qps"] = len(lat) / lat.sum()
    warming.join()
    extra["warm_s"] = time.perf_counter() - started
    _, lat = timed_queries(search, count)
    extra["warm_qps"] = len(lat) / lat.sum()
    shutil.rmtree(settings.data_dir, ignore_errors=True)


def _faiss_flat(hashes: np.ndarray, query: np.ndarray, count: int) -> Method:
    """faiss IndexBinaryFlat: a flat scan (its range_search radius is exclusive)."""
    codes = np.ascontiguousarray(hashes.astype(">u8")).view(np.uint8).reshape(len(hashes), 32)
    started = time.perf_counter()
    flat = faiss.IndexBinaryFlat(256)
    flat.add(codes)
    build = time.perf_counter() - started
    qcodes = np.ascontiguousarray(query.astype(">u8")).view(np.uint8).reshape(-1, 32)

    def search(i: int) -> set[int]:
        _, _, ids = flat.range_search(qcodes[i : i + 1], RADIUS + 1)
        return set((ids + 1).tolist())

    return Method("faiss IndexBinaryFlat", build, 32, search, count)


def _threatexchange(
    hashes: np.ndarray, hex_queries: list[str], count: int, faiss_threads: int
) -> list[Method]:
    """python-threatexchange PDQIndex (FAISS MultiHash 16x16), built from hex as HMA does.

    Measured twice on the same index: with one faiss thread, and with faiss's default OpenMP
    threads (how HMA runs it, and what the issue's ~50 q/s at 10M refers to).
    """
    from threatexchange.signal_type.pdq.pdq_index import PDQIndex

    raw = np.ascontiguousarray(hashes.astype(">u8")).view(np.uint8).reshape(len(hashes), 32)
    rss_before = _rss_bytes()
    started = time.perf_counter()
    tx_index = PDQIndex((raw[i].tobytes().hex(), i + 1) for i in range(len(hashes)))
    build = time.perf_counter() - started
    mem = (_rss_bytes() - rss_before) / len(hashes)

    def searcher(threads: int) -> Callable[[int], set[int]]:
        def search(i: int) -> set[int]:
            faiss.omp_set_num_threads(threads)
            try:
                return {m.metadata for m in tx_index.query(hex_queries[i])}
            finally:
                faiss.omp_set_num_threads(faiss_threads)

        return search

    return [
        Method(TX_ONE, build, mem, searcher(1), count),
        Method(TX_DEFAULT, build, mem, searcher(DEFAULT_FAISS_THREADS), count),
    ]


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def machine() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        model = next(
            line.split(":", 1)[1].strip()
            for line in out.splitlines()
            if line.startswith("Model name")
        )
    except (OSError, StopIteration, subprocess.CalledProcessError):
        model = platform.processor() or "unknown"
    cpus = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"{model}, {cpus} cores (shared), {platform.python_version()}, faiss {faiss.__version__}"


def markdown(all_rows: list[dict], extras: list[dict], command: str) -> str:
    lines = [
        "## Index",
        "",
        f"Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}. Machine: {machine()}.",
        f"Command: `{command}`",
        "",
        "PDQ range search at distance 31; uniformly random bank hashes; half the queries planted"
        " near-duplicates at distances 0..40, half random. Recall is against the numpy brute"
        " force over the same queries. Memory: index arrays per entry (PDQIndex: RSS growth).",
        "",
        "| size | method | queries | q/s alone | p50 ms alone | q/s interleaved (wall) |"
        " q/s interleaved (CPU) | p50 ms | p99 ms | build s | recall | false hits |"
        " bytes/entry |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in all_rows:
        lines.append(
            f"| {r['size']:,} | {r['method']} | {r['queries']} | {r['alone_qps']:,.0f} |"
            f" {r['alone_p50_ms']:.2f} | {r['qps']:,.0f} |"
            f" {r['cpu_qps']:,.0f} |"
            f" {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['build_s']:.1f} |"
            f" {r['recall'] * 100:.1f}% | {r['false_hits']} | {r['bytes_per_entry']:.0f} |"
        )
    lines += [
        "",
        "| size | snapshot write s | snapshot load + first query s | q/s during warm-up |"
        " warm-up done s | q/s after |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for e in extras:
        lines.append(
            f"| {e['size']:,} | {e['snapshot_write_s']:.1f} | {e['snapshot_load_s']:.2f} |"
            f" {e['mmap_first_queries_qps']:,.0f} | {e['warm_s']:.1f} | {e['warm_qps']:,.0f} |"
        )
    lines += [
        "",
        "Ratios of q/s measured in this run (alone, interleaved wall, interleaved CPU):",
        "",
        f"| size | MatchIndex | / {TX_DEFAULT} | / {TX_ONE} | / faiss IndexBinaryFlat |",
        "|---:|---|---:|---:|---:|",
    ]
    for size, ours, others in _ratio_rows(all_rows, extras):
        lines.append(f"| {size:,} | {ours} | {' | '.join(others)} |")
    return "\n".join(lines) + "\n"


def _ratio_rows(all_rows: list[dict], extras: list[dict]) -> list[tuple[int, str, list[str]]]:
    """(size, our method, [ratio against PDQIndex default threads, 1 thread, faiss flat])."""
    out = []
    for e in extras:
        by = {r["method"]: r for r in all_rows if r["size"] == e["size"]}
        for ours_name in (SINGLE, BATCHED):
            ours = by[ours_name]
            others = [
                f"{ours['alone_qps'] / other['alone_qps']:.1f}x,"
                f" {ours['qps'] / other['qps']:.1f}x, {ours['cpu_qps'] / other['cpu_qps']:.1f}x"
                for other in (by[TX_DEFAULT], by[TX_ONE], by["faiss IndexBinaryFlat"])
            ]
            out.append((e["size"], ours_name, others))
    return out


def summary(all_rows: list[dict], extras: list[dict]) -> str:
    """The headline: our q/s alone against PDQIndex's, both measured in this run."""
    lines = []
    for e in extras:
        by = {r["method"]: r for r in all_rows if r["size"] == e["size"]}
        txd, tx1 = by[TX_DEFAULT]["alone_qps"], by[TX_ONE]["alone_qps"]
        for name in (SINGLE, BATCHED):
            ours = by[name]["alone_qps"]
            lines.append(
                f"{e['size']:,} entries, {e['chunks']} chunks: {name} {ours:,.0f} q/s alone"
                f" (recall {by[name]['recall'] * 100:.1f}%) = {ours / txd:.1f}x PDQIndex with"
                f" default threads ({txd:,.0f} q/s), {ours / tx1:.1f}x PDQIndex with 1 thread"
                f" ({tx1:,.0f} q/s)"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--queries", type=int, default=1000, help="queries for MatchIndex")
    parser.add_argument(
        "--slow-queries",
        type=int,
        default=0,
        help="queries for the slow baselines (default: scaled to size)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--results", type=Path, help="append the table to this markdown file")
    parser.add_argument(
        "--faiss-threads",
        type=int,
        default=1,
        help="OpenMP threads for faiss (1: like ours, one query per thread; on a"
        " loaded 2-core machine more threads mostly wait at barriers)",
    )
    args = parser.parse_args()
    faiss.omp_set_num_threads(args.faiss_threads)
    all_rows, extras = [], []
    for size in (int(s) for s in args.sizes.split(",")):
        # The numpy reference scans everything per query: fewer queries at 10M keep the run short.
        queries = min(args.queries, 3_000_000_000 // size)
        slow = args.slow_queries or max(50, 100_000_000 // size)
        print(f"size {size:,}: {queries} queries, {slow} for the slow baselines", flush=True)
        rows, extra = bench_size(size, queries, min(slow, queries), args.seed, args.faiss_threads)
        for r in rows:
            print(r, flush=True)
        print(extra, flush=True)
        all_rows += rows
        extras.append(extra)
    command = (
        f"python bench/index_bench.py --sizes {args.sizes} --queries {args.queries}"
        f" --faiss-threads {args.faiss_threads}"
    )
    text = markdown(all_rows, extras, command)
    print(text)
    print(summary(all_rows, extras))
    if args.results:
        if not args.results.exists():
            args.results.write_text(
                "# Benchmark results\n\nEach benchmark appends its section.\n\n"
            )
        with args.results.open("a") as handle:
            handle.write("\n" + text)


if __name__ == "__main__":
    main()
