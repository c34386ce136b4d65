"""Could local features find crops? ORB keypoints + a RANSAC similarity fit on the benchmark.

    .venv/bin/python bench/crop_local_features.py [--keypoints 128] [--distractors 1500]

An experiment, not a Takedown signal. For the match-quality benchmark's originals (seed 5) it
computes OpenCV ORB keypoints (binary 256-bit descriptors, like PDQ's size) on the trimmed picture
shrunk to `--side` px, as POST /v1/scan would decode it. Every copy (crop and five other
transformations, both strengths) and every distractor is matched against all originals: faiss
range search over the descriptors (exact, within `--radius` bits), the nearest bank descriptor per
query descriptor and original, then `cv2.estimateAffinePartial2D` (RANSAC, inlier error
`--inlier-error` of the longer side; scale 0.5-2, turn at most 20 degrees). A pair matches when
enough distinct inliers, spread over enough cells of a 6 x 6 grid and a large enough hull,
survive. It prints, for every rule that gives zero false matches over original x distractor and
copy x other-original pairs, the recall per transformation, best crop recall first.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2
import faiss
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import generate  # noqa: E402
from takedown.media import decode  # noqa: E402
from takedown.settings import Settings  # noqa: E402
from takedown.signals.normalise import trimmed_content  # noqa: E402

SEED = 5
TRANSFORMS = ("crop", "letterbox", "overlay", "rotation", "screenshot", "greyscale")
Features = tuple[np.ndarray, np.ndarray]  # points (n, 2) in units of the longer side; descriptors


def features(data: bytes, keypoints: int, side: int) -> Features:
    pixels = trimmed_content(decode(data, settings=Settings()).image)
    grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    height, width = grey.shape
    scale = side / max(height, width)
    if scale < 1:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    orb = cv2.ORB_create(nfeatures=keypoints, fastThreshold=10, edgeThreshold=15, patchSize=15)
    found, descriptors = orb.detectAndCompute(grey, None)
    if descriptors is None:
        return np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8)
    points = np.array([k.pt for k in found], np.float32) / max(grey.shape)
    return points, descriptors


def _original(job: tuple[int, int, int]) -> Features:
    index, keypoints, side = job
    return features(generate.png_bytes(generate.original_image(index, SEED)), keypoints, side)


def _distractor(job: tuple[int, int, int]) -> Features:
    index, keypoints, side = job
    return features(generate.png_bytes(generate.distractor_image(index, SEED)), keypoints, side)


def _copies(job: tuple[int, int, int]) -> list[tuple[str, int, Features]]:
    index, keypoints, side = job
    original = generate.original_image(index, SEED)
    return [
        (
            name,
            strength,
            features(
                generate.image_copy_jpeg(original, name, strength, SEED, index), keypoints, side
            ),
        )
        for name in TRANSFORMS
        for strength in generate.STRENGTHS
    ]


def fit(query: np.ndarray, bank: np.ndarray, inlier_error: float) -> tuple[int, int, float]:
    """(distinct inliers, grid cells they cover, hull area) of the best similarity fit."""
    if len(query) < 4:
        return 0, 0, 0.0
    model, inliers = cv2.estimateAffinePartial2D(
        query.reshape(-1, 1, 2),
        bank.reshape(-1, 1, 2),
        method=cv2.RANSAC,
        ransacReprojThreshold=inlier_error,
        maxIters=2000,
        confidence=0.999,
    )
    if model is None:
        return 0, 0, 0.0
    scale = float(np.hypot(model[0, 0], model[1, 0]))
    turn = float(np.degrees(np.arctan2(model[1, 0], model[0, 0])))
    if not 0.5 < scale < 2.0 or abs(turn) > 20:
        return 0, 0, 0.0
    kept = inliers.ravel().astype(bool)
    distinct = min(
        len(np.unique(np.round(query[kept] * 1000), axis=0)),
        len(np.unique(np.round(bank[kept] * 1000), axis=0)),
    )
    cells = len(np.unique(np.floor(query[kept] * 6).astype(int), axis=0))
    hull = float(cv2.contourArea(cv2.convexHull(query[kept]))) if kept.sum() >= 3 else 0.0
    return distinct, cells, hull


class Bank:
    def __init__(
        self, originals: list[Features], radius: int, inlier_error: float, ratio: float
    ) -> None:
        self.points = np.concatenate([points for points, _ in originals])
        self.owner = np.concatenate([[i] * len(d) for i, (_, d) in enumerate(originals)])
        self.index = faiss.IndexBinaryFlat(256)
        self.index.add(np.concatenate([d for _, d in originals]))
        self.radius = radius
        self.inlier_error = inlier_error
        self.ratio = ratio

    def fits(self, query: Features) -> dict[int, tuple[int, int, float]]:
        """Every original with at least 6 query descriptors in range, and its fit."""
        points, descriptors = query
        if len(descriptors) == 0:
            return {}
        limits, distances, rows = self.index.range_search(descriptors, self.radius + 1)
        if len(rows) == 0:
            return {}
        query_rows = np.repeat(np.arange(len(descriptors)), np.diff(limits).astype(np.int64))
        owners = self.owner[rows]
        order = np.lexsort((distances.astype(np.int64), query_rows, owners))
        owners, query_rows, rows = owners[order], query_rows[order], rows[order]
        distances = distances.astype(np.int64)[order]
        nearest = np.r_[True, (owners[1:] != owners[:-1]) | (query_rows[1:] != query_rows[:-1])]
        if self.ratio < 1:
            # Lowe's ratio test within each original: a descriptor whose runner-up in the same
            # picture is nearly as close (an arc of one circle among many) is ambiguous.
            firsts = np.flatnonzero(nearest)
            runner_up = firsts + 1
            has_runner_up = runner_up < len(owners)
            has_runner_up[has_runner_up] = ~nearest[runner_up[has_runner_up]]
            second = np.full(len(firsts), np.inf)
            second[has_runner_up] = distances[runner_up[has_runner_up]]
            nearest[firsts[distances[firsts] >= self.ratio * second]] = False
        owners, query_rows, rows = owners[nearest], query_rows[nearest], rows[nearest]
        starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
        found = {}
        for start, stop in zip(starts, np.r_[starts[1:], len(owners)], strict=True):
            if stop - start >= 6:
                found[int(owners[start])] = fit(
                    points[query_rows[start:stop]], self.points[rows[start:stop]], self.inlier_error
                )
        return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--originals", type=int, default=160)
    parser.add_argument("--distractors", type=int, default=1500)
    parser.add_argument("--keypoints", type=int, default=128)
    parser.add_argument("--side", type=int, default=400)
    parser.add_argument("--radius", type=int, default=40)
    parser.add_argument("--inlier-error", type=float, default=0.01)
    parser.add_argument(
        "--ratio", type=float, nargs="+", default=[1.0], help="Lowe ratio tests to try (1: off)"
    )
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    started = time.perf_counter()
    jobs = lambda n: [(i, args.keypoints, args.side) for i in range(n)]  # noqa: E731
    with ProcessPoolExecutor(args.workers) as pool:
        originals = list(pool.map(_original, jobs(args.originals)))
        copies = list(pool.map(_copies, jobs(args.originals)))
        distractors = list(pool.map(_distractor, jobs(args.distractors), chunksize=50))
    features_seconds = time.perf_counter() - started
    for ratio in args.ratio:
        report(args, Bank(originals, args.radius, args.inlier_error, ratio), copies, distractors)
    print(f"features: {features_seconds:.0f} s")


def report(
    args: argparse.Namespace,
    bank: Bank,
    copies: list[list[tuple[str, int, Features]]],
    distractors: list[Features],
) -> None:
    started = time.perf_counter()
    true_fits: list[tuple[str, int, tuple[int, int, float]]] = []
    false_fits: list[tuple[int, int, float]] = []
    for index, copy_list in enumerate(copies):
        for name, strength, query in copy_list:
            found = bank.fits(query)
            true_fits.append((name, strength, found.get(index, (0, 0, 0.0))))
            false_fits += [fitted for owner, fitted in found.items() if owner != index]
    for query in distractors:
        false_fits += list(bank.fits(query).values())
    pairs = args.originals * (args.distractors + len(TRANSFORMS) * 2 * (args.originals - 1))
    print(
        f"{args.originals} originals, {args.distractors} distractors, {pairs:,} pairs;"
        f" {args.keypoints} keypoints at {args.side} px, radius {args.radius},"
        f" inlier error {args.inlier_error}, ratio {bank.ratio};"
        f" {time.perf_counter() - started:.0f} s"
    )
    print(f"most inliers of a false pair: {max((f[0] for f in false_fits), default=0)}")
    raw = {}
    for name, strength, fitted in true_fits:
        raw.setdefault((name, strength), []).append(fitted[0] >= 8)
    print("recall at >= 8 inliers, no spread rule: " + _recalls(raw))
    rules = []
    for inliers, cells, hull in itertools.product(
        (8, 10, 12, 15, 20), (1, 4, 6, 8), (0.0, 0.05, 0.1)
    ):
        rule = (inliers, cells, hull)
        if any(_passes(f, rule) for f in false_fits):
            continue
        recall: dict[tuple[str, int], list[bool]] = {}
        for name, strength, fitted in true_fits:
            recall.setdefault((name, strength), []).append(_passes(fitted, rule))
        crop = min(np.mean(recall[("crop", s)]) for s in generate.STRENGTHS)
        rules.append((crop, f"inliers>={inliers} cells>={cells} hull>={hull}: " + _recalls(recall)))
    print("rules with zero false matches, best crop recall first:")
    for _, line in sorted(rules, reverse=True)[:8]:
        print("  " + line)


def _passes(fitted: tuple[int, int, float], rule: tuple[int, int, float]) -> bool:
    return fitted[0] >= rule[0] and fitted[1] >= rule[1] and fitted[2] >= rule[2]


def _recalls(recall: dict[tuple[str, int], list[bool]]) -> str:
    return " ".join(
        f"{name}{strength} {np.mean(r) * 100:.1f}%" for (name, strength), r in recall.items()
    )


if __name__ == "__main__":
    main()
