"""Benchmark 2 (Index): PDQ range search at distance 31 over uniformly random hashes.

Side by side in one run, per size: Takedown's MatchIndex (multi-index hashing, the serving query
path), a numpy brute force (the recall reference), faiss IndexBinaryFlat range_search, and
python-threatexchange's PDQIndex (FAISS MultiHash 16x16, what HMA serves). Half the queries are
planted near-duplicates of banked hashes at distances 0..40, half are uniformly random.

    .venv/bin/python bench/index_bench.py --sizes 100000,1000000,10000000 --results bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import gc
import platform
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
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


def bench_size(size: int, queries: int, slow_queries: int, seed: int) -> tuple[list[dict], dict]:
    hashes, query, planted = make_data(size, queries, seed)
    rows: list[dict] = []
    extra: dict = {"size": size}

    # Reference: numpy brute force (also gives the truth for recall).
    truth: list[set[int]] = []
    lat = []
    for q in query:
        started = time.perf_counter()
        hit = set((np.nonzero(distances(hashes, q) <= RADIUS)[0] + 1).tolist())
        lat.append(time.perf_counter() - started)
        truth.append(hit)
    rows.append(row("numpy brute force", size, 0.0, np.array(lat[:slow_queries]), 1.0, 0, 32))
    extra["planted_found"] = sum(
        1 for i, d in enumerate(planted) if 0 <= d <= RADIUS and truth[i]
    ) / max(1, sum(1 for d in planted if 0 <= d <= RADIUS))

    rows.append(_takedown(hashes, query, truth, slow_queries, extra))
    gc.collect()
    rows.append(_faiss_flat(hashes, query[:slow_queries], truth[:slow_queries]))
    gc.collect()
    rows.append(_threatexchange(hashes, query[:slow_queries], truth[:slow_queries]))
    gc.collect()
    return rows, extra


def _takedown(
    hashes: np.ndarray, query: np.ndarray, truth: list[set[int]], slow_queries: int, extra: dict
) -> dict:
    """Takedown's MatchIndex through its serving query path, then a snapshot restart."""
    size = len(hashes)
    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="index-bench-")))
    bank = BankInfo(1, "bench", "csam", "block", RADIUS, {}, True)
    started = time.perf_counter()
    index = MatchIndex.from_hashes(settings, hashes, bank)
    build = time.perf_counter() - started
    hex_queries = [q.astype(">u8").tobytes().hex() for q in query]
    index.query("pdq", hex_queries[0])  # warm caches once
    found, lat = timed_queries(
        lambda i: {h.entry_id for h in index.query("pdq", hex_queries[i])}, len(query)
    )
    rec, false_hits = recall(found, truth)
    result = row(
        "Takedown MatchIndex (MIH 16x16)", size, build, lat, rec, false_hits, index.nbytes / size
    )

    # Restart: write a snapshot, then time load + first query (what `load_index` does first).
    started = time.perf_counter()
    snapshot.save(settings.index_dir, index._base, ChangeCursor(), "bench")
    extra["snapshot_write_s"] = time.perf_counter() - started
    index = MatchIndex(settings)
    gc.collect()
    started = time.perf_counter()
    loaded = snapshot.load(settings.index_dir, "bench")
    assert loaded is not None
    index._base, index._cursor = loaded
    index.banks = {1: bank}
    index.query("pdq", hex_queries[0])
    extra["snapshot_load_s"] = time.perf_counter() - started
    _, lat = timed_queries(
        lambda i: {h.entry_id for h in index.query("pdq", hex_queries[i])}, max(slow_queries, 50)
    )
    extra["mmap_first_queries_qps"] = len(lat) / lat.sum()
    shutil.rmtree(settings.data_dir, ignore_errors=True)
    return result


def _faiss_flat(hashes: np.ndarray, query: np.ndarray, truth: list[set[int]]) -> dict:
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

    found, lat = timed_queries(search, len(query))
    rec, false_hits = recall(found, truth)
    return row("faiss IndexBinaryFlat", len(hashes), build, lat, rec, false_hits, 32)


def _threatexchange(hashes: np.ndarray, query: np.ndarray, truth: list[set[int]]) -> dict:
    """python-threatexchange PDQIndex (FAISS MultiHash 16x16), built from hex as HMA does."""
    from threatexchange.signal_type.pdq.pdq_index import PDQIndex

    raw = np.ascontiguousarray(hashes.astype(">u8")).view(np.uint8).reshape(len(hashes), 32)
    rss_before = _rss_bytes()
    started = time.perf_counter()
    tx_index = PDQIndex((raw[i].tobytes().hex(), i + 1) for i in range(len(hashes)))
    build = time.perf_counter() - started
    mem = (_rss_bytes() - rss_before) / len(hashes)
    hex_queries = [q.astype(">u8").tobytes().hex() for q in query]
    found, lat = timed_queries(
        lambda i: {m.metadata for m in tx_index.query(hex_queries[i])}, len(query)
    )
    rec, false_hits = recall(found, truth)
    return row("python-threatexchange PDQIndex", len(hashes), build, lat, rec, false_hits, mem)


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
        "| size | method | queries | q/s | p50 ms | p99 ms | build s | recall | false hits |"
        " bytes/entry |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in all_rows:
        lines.append(
            f"| {r['size']:,} | {r['method']} | {r['queries']} | {r['qps']:,.0f} |"
            f" {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['build_s']:.1f} |"
            f" {r['recall'] * 100:.1f}% | {r['false_hits']} | {r['bytes_per_entry']:.0f} |"
        )
    lines += [
        "",
        "| size | snapshot write s | snapshot load + first query s |"
        " q/s right after load (mmap, cold pages) | MatchIndex / PDQIndex q/s |"
        " MatchIndex / faiss flat q/s |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for e in extras:
        size_rows = {r["method"]: r for r in all_rows if r["size"] == e["size"]}
        ours = size_rows["Takedown MatchIndex (MIH 16x16)"]["qps"]
        tx = size_rows["python-threatexchange PDQIndex"]["qps"]
        flat = size_rows["faiss IndexBinaryFlat"]["qps"]
        lines.append(
            f"| {e['size']:,} | {e['snapshot_write_s']:.1f} | {e['snapshot_load_s']:.2f} |"
            f" {e['mmap_first_queries_qps']:,.0f} | {ours / tx:.1f}x | {ours / flat:.1f}x |"
        )
    return "\n".join(lines) + "\n"


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
        rows, extra = bench_size(size, queries, min(slow, queries), args.seed)
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
    if args.results:
        if not args.results.exists():
            args.results.write_text(
                "# Benchmark results\n\nEach benchmark appends its section.\n\n"
            )
        with args.results.open("a") as handle:
            handle.write("\n" + text)


if __name__ == "__main__":
    main()
