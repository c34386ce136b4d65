"""What a `pdq_crop` bank costs a scan: the keypoint search in the match index as banks grow.

    .venv/bin/python bench/crop_index.py [--pictures 2000 20000] [--copies 20]

Banks: ORB keypoints (as `pdq_crop` stores them) of the first N benign generated pictures (the
match-quality benchmark's 160 originals, then its distractors, seed 5), one index row per
keypoint. Queries: crops keeping 90 % and 75 % of each side of the first `--copies` pictures,
re-encoded as JPEG. Per scan, side by side in one run on the same rows and queries:
`MatchIndex.query_keypoints` (what a scan runs: the 2 nearest live rows of each descriptor) with
the exact search (faiss flat, every row) and with the clustered search (faiss IVF lists,
`index/descriptors.py`), each followed by `keypoints.match_upload`'s alignment and PDQ
confirmation; votes for the right picture under lists as a share of its votes under the exact
search; crops confirmed by each, and other pictures confirmed (false matches, at the default
threshold 36). Then the same queries against a full delta (pictures banked since the last
compaction), with the delta search used before the sixth session as the baseline. Prints
Markdown tables.
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
from takedown.index.descriptors import nearest_first  # noqa: E402
from takedown.index.segments import build_segment  # noqa: E402
from takedown.index.service import DELTA_MAX_ROWS, BankInfo, MatchIndex  # noqa: E402
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


def _crop_upload(args: tuple[int, int]) -> bytes:
    index, strength = args
    rng = np.random.default_rng([SEED, 9, index, strength])
    return generate.image_copy_jpeg(
        _picture(index), "crop", strength, SEED, int(rng.integers(1 << 30))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pictures", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with ProcessPoolExecutor(args.workers) as pool:
        bank = list(pool.map(_bank_keypoints, range(max(args.pictures)), chunksize=64))
    uploads = []
    for owner in range(args.copies):
        for strength in (1, 2):  # 90 % and 75 % of each side
            media = decode(_crop_upload((owner, strength)), settings=SETTINGS)
            pixels = normalise.trimmed_upload(media)
            uploads.append((owner, pixels, keypoints.keypoints_of(pixels)))
    print(
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.processor() or 'cpu'}: "
        f"{' '.join(sys.argv)}\n"
    )
    print(
        "| bank pictures | index rows | lists | lists built (s) | exact search (ms/scan) "
        "| clustered search (ms/scan) | speed-up | right picture's votes kept "
        "| alignment + confirmation (ms/scan) | crops found: exact | crops found: lists "
        "| other pictures matched: exact | other pictures matched: lists |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for pictures in args.pictures:
        _compare(bank[:pictures], uploads)
    _delta_cost(bank, uploads)


def _delta_cost(bank: list[keypoints.Keypoints], uploads: list) -> None:  # type: ignore[type-arg]
    """A full keypoint delta (entries banked since the last compaction, up to DELTA_MAX_ROWS
    rows): `query_keypoints` (faiss k-nearest over the delta) against the search the delta had
    before this session (every row within the radius of each descriptor, then the nearest)."""
    index = _index(
        np.zeros(0, np.int64), keypoints.descriptor_words(bank[0].descriptors)[:0], exact_rows=0
    )
    rows = 0
    entry_id = 0
    while rows + len(bank[entry_id].descriptors) <= DELTA_MAX_ROWS:
        state = (1, keypoints.PDQ_CROP, bank[entry_id].value(), True)
        index._apply_entry(entry_id + 1, state)
        rows += len(bank[entry_id].descriptors)
        entry_id += 1
    index._rebuild_views({keypoints.PDQ_CROP})
    view = index._views[keypoints.PDQ_CROP]
    timings: dict[str, list[float]] = {"now": [], "before": []}
    same = 0
    for _, _, upload in uploads:
        query = keypoints.descriptor_words(upload.descriptors)
        started = time.perf_counter()
        now = index.query_keypoints(
            keypoints.PDQ_CROP, query, radius=keypoints.DESCRIPTOR_RADIUS, neighbours=2
        )
        timings["now"].append(1000 * (time.perf_counter() - started))
        started = time.perf_counter()
        before = _delta_before(view, query)
        timings["before"].append(1000 * (time.perf_counter() - started))
        same += sorted((n.query_row, n.distance) for n in now) == before
    median = {name: statistics.median(t) for name, t in timings.items()}
    print(
        f"\nA full delta: {entry_id} pictures, {rows:,} keypoint rows, {len(uploads)} scans\n\n"
        "| delta search | ms/scan | same nearest distances |\n|---|---|---|\n"
        f"| every row within the radius, then the nearest (before) | {median['before']:.1f} | |\n"
        f"| faiss k-nearest (`query_keypoints`) | {median['now']:.1f} "
        f"| {same}/{len(uploads)} |"
    )


def _delta_before(view, query: np.ndarray) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    found = [view.search(q, keypoints.DESCRIPTOR_RADIUS) for q in query]
    query_rows = np.repeat(np.arange(len(found)), [len(r) for r, _ in found])
    rows = np.concatenate([r for r, _ in found]).astype(np.int64)
    dists = np.concatenate([d for _, d in found]).astype(np.int64)
    entry_ids = view.entry_ids[rows]
    chosen = nearest_first(query_rows, dists, entry_ids, 2)
    return sorted(zip(query_rows[chosen].tolist(), dists[chosen].tolist(), strict=True))


def _compare(bank: list[keypoints.Keypoints], uploads: list) -> None:  # type: ignore[type-arg]
    values = [b.value() for b in bank]
    hashes = np.concatenate([keypoints.descriptor_words(b.descriptors) for b in bank])
    entry_ids = np.concatenate([np.full(len(b.descriptors), i + 1) for i, b in enumerate(bank)])
    values_of = lambda ids: {i: values[i - 1] for i in ids}  # noqa: E731
    exact = _index(entry_ids, hashes, exact_rows=len(hashes))
    listed = _index(entry_ids, hashes, exact_rows=0)
    started = time.perf_counter()
    listed._index_descriptors(listed._base)
    built = time.perf_counter() - started
    exact._index_descriptors(exact._base)
    lists = len(listed._base[keypoints.PDQ_CROP].clusters.centroids)
    timings: dict[str, list[float]] = {"exact": [], "lists": [], "confirm": []}
    found = {"exact": 0, "lists": 0}
    wrong = {"exact": 0, "lists": 0}
    kept = []
    for owner, pixels, upload in uploads:
        query = keypoints.descriptor_words(upload.descriptors)
        votes = {}
        for name, index in (("exact", exact), ("lists", listed)):
            started = time.perf_counter()
            neighbours = index.query_keypoints(
                keypoints.PDQ_CROP,
                query,
                radius=keypoints.DESCRIPTOR_RADIUS,
                neighbours=keypoints.NEIGHBOURS,
            )
            timings[name].append(1000 * (time.perf_counter() - started))
            votes[name] = len({n.query_row for n in neighbours if n.entry_id == owner + 1})
            started = time.perf_counter()
            matches = keypoints.match_upload(pixels, upload, neighbours, values_of)
            timings["confirm"].append(1000 * (time.perf_counter() - started))
            found[name] += any(m.entry_id == owner + 1 and m.distance <= 36 for m in matches)
            wrong[name] += sum(m.entry_id != owner + 1 and m.distance <= 36 for m in matches)
        kept.append(votes["lists"] / max(1, votes["exact"]))
    median = {name: statistics.median(t) for name, t in timings.items()}
    print(
        f"| {len(bank):,} | {len(hashes):,} | {lists:,} | {built:.1f} | {median['exact']:.1f} "
        f"| {median['lists']:.1f} | {median['exact'] / median['lists']:.0f}x "
        f"| {100 * statistics.mean(kept):.1f} % | {median['confirm']:.1f} "
        f"| {found['exact']}/{len(uploads)} | {found['lists']}/{len(uploads)} "
        f"| {wrong['exact']} | {wrong['lists']} |",
        flush=True,
    )


def _index(entry_ids: np.ndarray, hashes: np.ndarray, *, exact_rows: int) -> MatchIndex:
    """A serving match index over the keypoint rows, in one enabled bank (no database)."""
    index = MatchIndex(SETTINGS.model_copy(update={"crop_search_exact_rows": exact_rows}))
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
