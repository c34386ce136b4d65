"""What a `pdq_crop` bank costs a scan: the keypoint search in the match index as banks grow.

    .venv/bin/python bench/crop_index.py [--pictures 2000] [--copies 20] [--grow 1 5]

Bank: ORB keypoints (as `pdq_crop` stores them) of `--pictures` benign generated pictures
(the match-quality benchmark's originals and distractors, seed 5), one index row per keypoint.
`--grow K` repeats every picture's descriptors K times with 8 random bits flipped per copy, a
stand-in for a bank K times larger whose pictures look like these (generated, not measured).
Queries: the keypoints of crops of the first `--copies` pictures. Per scan, side by side in one
run, all exact at the shipped radius: `MatchIndex.query_keypoints`, what a scan runs (faiss's
flat binary index, `index/descriptors.py`, then the 2 nearest live rows per descriptor), the
index's multi-index table (`HammingTable.search_many`, what PDQ uses; rows only), and a numpy
brute force (rows only); then `keypoints.match_upload`'s alignment and confirmation of the three
candidates. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import generate  # noqa: E402
from takedown.index.hamming import HammingTable, brute_force  # noqa: E402
from takedown.index.segments import build_segment  # noqa: E402
from takedown.index.service import BankInfo, MatchIndex  # noqa: E402
from takedown.media import decode  # noqa: E402
from takedown.settings import Settings  # noqa: E402
from takedown.signals import keypoints, normalise  # noqa: E402

SEED = 5
SETTINGS = Settings()


def _picture(index: int):
    if index < 160:
        return generate.original_image(index, SEED)
    return generate.distractor_image(index - 160, SEED)


def _bank_keypoints(index: int) -> keypoints.Keypoints:
    media = decode(generate.png_bytes(_picture(index)), settings=SETTINGS)
    return keypoints.keypoints_of(normalise.trimmed_upload(media))


def _crop_upload(index: int) -> bytes:
    rng = np.random.default_rng([SEED, 9, index])
    return generate.image_copy_jpeg(_picture(index), "crop", 2, SEED, int(rng.integers(1 << 30)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pictures", type=int, default=2000)
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--grow", type=int, nargs="+", default=[1, 5])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with ProcessPoolExecutor(args.workers) as pool:
        bank = list(pool.map(_bank_keypoints, range(args.pictures), chunksize=32))
    values = [b.value() for b in bank]
    base = np.concatenate([keypoints.descriptor_words(b.descriptors) for b in bank])
    owner = np.concatenate([np.full(len(b.descriptors), i) for i, b in enumerate(bank)])
    uploads = []
    for i in range(args.copies):
        media = decode(_crop_upload(i), settings=SETTINGS)
        pixels = normalise.trimmed_upload(media)
        uploads.append((pixels, keypoints.keypoints_of(pixels)))
    print(
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.processor() or 'cpu'}: "
        f"{' '.join(sys.argv)}\n"
    )
    print(
        "| bank pictures | index rows | build s | search at radius "
        f"{keypoints.DESCRIPTOR_RADIUS}: query_keypoints (ms/scan) | multi-index (ms/scan) "
        "| numpy brute force (ms/scan) "
        "| alignment + confirmation (ms/scan) | crops found |"
    )
    print("|---|---|---|---|---|---|---|---|")
    rng = np.random.default_rng(SEED)
    for grow in args.grow:
        rows = [base]
        for _ in range(grow - 1):
            noise = np.zeros_like(base)
            for _ in range(8):
                bit = rng.integers(0, 256, len(base))
                noise[np.arange(len(base)), bit // 64] ^= np.uint64(1) << (bit % 64).astype(
                    np.uint64
                )
            rows.append(base ^ noise)
        hashes = np.concatenate(rows)
        started = time.perf_counter()
        table = HammingTable.build(hashes)
        build = time.perf_counter() - started
        entry_ids = np.concatenate([owner + 1 + k * args.pictures for k in range(grow)])
        index = _index(entry_ids, hashes)
        values_of = lambda ids: {i: values[(i - 1) % args.pictures] for i in ids}  # noqa: E731
        timings: dict[str, list[float]] = {
            "shipped": [],
            "multi-index": [],
            "brute": [],
            "confirm": [],
        }
        found = 0
        for pixels, upload in uploads:
            query = keypoints.descriptor_words(upload.descriptors)
            started = time.perf_counter()
            neighbours = index.query_keypoints(
                keypoints.PDQ_CROP,
                query,
                radius=keypoints.DESCRIPTOR_RADIUS,
                neighbours=keypoints.NEIGHBOURS,
            )
            timings["shipped"].append(1000 * (time.perf_counter() - started))
            for name in ("multi-index", "brute"):
                started = time.perf_counter()
                _search(name, table, hashes, query)
                timings[name].append(1000 * (time.perf_counter() - started))
            started = time.perf_counter()
            matches = keypoints.match_upload(pixels, upload, neighbours, values_of)
            timings["confirm"].append(1000 * (time.perf_counter() - started))
            found += any(m.distance <= 36 for m in matches)
        median = {name: statistics.median(t) for name, t in timings.items()}
        print(
            f"| {args.pictures * grow:,} | {len(hashes):,} | {build:.1f} | {median['shipped']:.1f} "
            f"| {median['multi-index']:.1f} | {median['brute']:.1f} | {median['confirm']:.1f} "
            f"| {found}/{len(uploads)} |"
        )


def _search(name: str, table: HammingTable, hashes: np.ndarray, query: np.ndarray) -> list:
    if name == "multi-index":
        return table.search_many(query, keypoints.DESCRIPTOR_RADIUS)
    return [brute_force(hashes, q, keypoints.DESCRIPTOR_RADIUS) for q in query]


def _index(entry_ids: np.ndarray, hashes: np.ndarray) -> MatchIndex:
    """A serving match index over the keypoint rows, in one enabled bank (no database)."""
    index = MatchIndex(SETTINGS)
    bank_ids = np.ones(len(entry_ids), np.int32)
    index._base = {
        keypoints.PDQ_CROP: build_segment(
            keypoints.PDQ_CROP, True, entry_ids, bank_ids, hashes=hashes
        )
    }
    index.banks = {1: BankInfo(1, "crops", "csam", "block", 31, {}, True)}
    index.ready = True
    return index


if __name__ == "__main__":
    main()
