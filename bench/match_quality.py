"""Match quality benchmark: recall of altered copies and false matches, baselines vs Takedown.

    .venv/bin/python bench/match_quality.py

For every original (benign stand-ins and generated scenes) and every transformation at two
strengths, a copy is made and scanned; distractors (unrelated generated media) are scanned against
every original. Baselines, side by side in the same run: plain PDQ (distance <= 31) and naive vPDQ
(1 frame/s on both sides, 80 % of query frames matched, the python-threatexchange defaults).
Takedown: the rule POST /v1/scan applies over pdq, pdq_norm, pdq_center and pdq_band (uploads
also hashed at small de-rotations); for videos vpdq and its region types (vpdq_norm, vpdq_center,
vpdq_band_top, vpdq_band_bottom) under the vPDQ rule, bank videos hashed densely.
Hashes are cached under bench/data/ (keyed by the seed, the sizes and the hashing code).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import pickle
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from PIL import Image  # noqa: E402

import generate  # noqa: E402
from takedown.media import decode  # noqa: E402
from takedown.media import image as media_image  # noqa: E402
from takedown.media import model as media_model  # noqa: E402
from takedown.settings import Settings  # noqa: E402
from takedown.signals import (  # noqa: E402
    border_kernel,
    keypoints,
    match_rule,
    normalise,
    pdq_blocks,
    pdq_kernel,
    regions,
    rotation,
)

SETTINGS = Settings()

DATA = ROOT / "bench" / "data"
BASELINE_PDQ_THRESHOLD = 31
VPDQ_QUERY_MATCH_PERCENT = 80.0  # python-threatexchange VPDQ_QUERY_MATCH_THRESHOLD_PERCENT
VPDQ_QUALITY_THRESHOLD = 50  # python-threatexchange VPDQ_QUALITY_THRESHOLD


# --- hashing -------------------------------------------------------------------------------


@dataclass
class Hashes:
    """Signals of one image or one video frame: (type, variant) -> (hash bytes, quality)."""

    plain: tuple[bytes, int]
    region: list[tuple[str, str, bytes, int]] = field(default_factory=list)


def _plain(image) -> tuple[bytes, int]:
    value, quality = regions.pdq_hex(np.asarray(image.convert("RGB")))
    return bytes.fromhex(value), quality


def _region(hashes: list[regions.RegionHash]) -> list[tuple[str, str, bytes, int]]:
    return [(h.type, h.variant, bytes.fromhex(h.value), h.quality) for h in hashes]


def _as_uploaded(data: bytes):
    """The picture as POST /v1/scan decodes it (block-averaged at large sizes)."""
    return decode(data, settings=SETTINGS).image


def hash_reference(data: bytes) -> Hashes:
    """An image file as banked. The plain PDQ (the baseline) is taken at full resolution."""
    image = Image.open(io.BytesIO(data))
    return Hashes(_plain(image), _region(regions.reference_hashes(_as_uploaded(data))))


def hash_query(data: bytes, rotations: bool = True) -> Hashes:
    image = Image.open(io.BytesIO(data))
    uploaded = _as_uploaded(data)
    return Hashes(_plain(image), _region(regions.query_hashes(uploaded, rotations=rotations)))


def hash_frame_reference(image) -> Hashes:
    return Hashes(_plain(image), _region(regions.reference_hashes(image)))


def hash_frame_query(image) -> Hashes:
    return Hashes(_plain(image), _region(regions.query_hashes(image, rotations=False)))


def _original_job(args: tuple[int, int]) -> Hashes:
    index, seed = args
    return hash_reference(generate.png_bytes(generate.original_image(index, seed)))


def _distractor_job(args: tuple[int, int]) -> Hashes:
    index, seed = args
    return hash_query(generate.png_bytes(generate.distractor_image(index, seed)))


def _copies_job(args: tuple[int, int]) -> list[tuple[str, int, Hashes]]:
    index, seed = args
    original = generate.original_image(index, seed)
    out = []
    for transform in generate.IMAGE_TRANSFORMS:
        for strength in generate.STRENGTHS:
            copy = generate.image_copy_jpeg(original, transform, strength, seed, index)
            out.append((transform, strength, hash_query(copy)))
    return out


def decode_frames(data: bytes) -> list[tuple[float, np.ndarray]]:
    import av

    with av.open(io.BytesIO(data)) as container:
        return [
            (float(frame.time or 0.0), frame.to_ndarray(format="rgb24"))
            for frame in container.decode(video=0)
        ]


def sample_per_second(frames: list[tuple[float, np.ndarray]], per_second: float):
    """The first frame at or after each sampling instant (what vPDQ does at 1 frame/s)."""
    out, next_time = [], 0.0
    for time_s, pixels in frames:
        if time_s + 1e-6 >= next_time:
            out.append((time_s, pixels))
            next_time += 1.0 / per_second
            while next_time <= time_s:
                next_time += 1.0 / per_second
    return out


@dataclass
class VideoHashes:
    baseline: list[tuple[bytes, int]]  # naive vPDQ: plain PDQ at 1 frame/s
    takedown: list[Hashes]  # bank: every frame (dense); query: 1 frame/s


def hash_video(data: bytes, *, bank: bool) -> VideoHashes:
    frames = decode_frames(data)
    baseline = [_plain(Image.fromarray(p)) for _, p in sample_per_second(frames, 1.0)]
    if bank:
        dense = sample_per_second(frames, match_rule.BANK_VIDEO_FRAMES_PER_SECOND)
        takedown = [hash_frame_reference(Image.fromarray(p)) for _, p in dense]
    else:
        takedown = [hash_frame_query(Image.fromarray(p)) for _, p in sample_per_second(frames, 1.0)]
    return VideoHashes(baseline, takedown)


def _video_original_job(args: tuple[int, int]):
    index, seed = args
    frames = generate.video_frames(seed, index, family=10)
    bank = hash_video(generate.encode_video(frames), bank=True)
    copies = []
    for transform in generate.VIDEO_TRANSFORMS:
        for strength in generate.STRENGTHS:
            data = generate.video_copy(frames, transform, strength, seed, index)
            copies.append((transform, strength, hash_video(data, bank=False)))
    return bank, copies


def _video_distractor_job(args: tuple[int, int]) -> VideoHashes:
    index, seed = args
    frames = generate.video_frames(seed, index, family=20)
    return hash_video(generate.encode_video(frames), bank=False)


def _code_version() -> str:
    digest = hashlib.sha256()
    modules = (generate, normalise, border_kernel, pdq_blocks, pdq_kernel, keypoints, regions)
    modules = (*modules, rotation, match_rule)
    for module in (*modules, media_image, media_model):
        digest.update(Path(module.__file__).read_bytes())
    digest.update(Path(__file__).read_bytes().split(b"# --- matching")[0])
    return digest.hexdigest()[:16]


def cached(name: str, key: str, build):
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"{name}-{key}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    value = build()
    path.write_bytes(pickle.dumps(value))
    return value


def run_pool(job, count: int, seed: int, workers: int) -> list:
    tasks = [(i, seed) for i in range(count)]
    if workers <= 1:
        return [job(t) for t in tasks]
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(job, tasks, chunksize=8))


# --- matching ------------------------------------------------------------------------------


def _words(values: list[bytes]) -> np.ndarray:
    if not values:
        return np.zeros((0, 4), np.uint64)
    return np.frombuffer(b"".join(values), dtype=">u8").astype(np.uint64).reshape(-1, 4)


def distances(queries: np.ndarray, bank: np.ndarray) -> np.ndarray:
    """Hamming distances, (len(queries), len(bank)), in blocks to bound memory."""
    out = np.empty((len(queries), len(bank)), np.int16)
    for start in range(0, len(queries), 512):
        block = queries[start : start + 512, None, :] ^ bank[None, :, :]
        out[start : start + 512] = np.bitwise_count(block).sum(axis=2)
    return out


@dataclass
class Bank:
    """Per signal type: hash words, quality and owner (original index) of every bank hash."""

    words: dict[str, np.ndarray]
    quality: dict[str, np.ndarray]
    owner: dict[str, np.ndarray]
    size: int


def build_bank(items: list[list[Hashes]]) -> Bank:
    values: dict[str, list[bytes]] = defaultdict(list)
    quality: dict[str, list[int]] = defaultdict(list)
    owner: dict[str, list[int]] = defaultdict(list)
    for index, frames in enumerate(items):
        for hashes in frames:
            values["pdq"].append(hashes.plain[0])
            quality["pdq"].append(hashes.plain[1])
            owner["pdq"].append(index)
            for signal_type, _, value, q in hashes.region:
                values[signal_type].append(value)
                quality[signal_type].append(q)
                owner[signal_type].append(index)
    return Bank(
        {t: _words(v) for t, v in values.items()},
        {t: np.array(v) for t, v in quality.items()},
        {t: np.array(v) for t, v in owner.items()},
        len(items),
    )


def best_matches(queries: list[Hashes], bank: Bank, thresholds: dict[str, int]):
    """For each query hash: per original, the best (smallest margin) Takedown rule that fires.

    Returns, per query hash, a dict original -> (rule, distance), and a per-rule array of the
    smallest distance to each original (for margins).
    """
    by_rule: dict[str, list[tuple[int, bytes, int]]] = defaultdict(list)
    for qi, hashes in enumerate(queries):
        by_rule["pdq"].append((qi, hashes.plain[0], hashes.plain[1]))
        for signal_type, variant, value, q in hashes.region:
            rule = signal_type + (" rotated" if variant else "")
            by_rule[rule].append((qi, value, q))
    hits: list[dict[int, tuple[str, int]]] = [{} for _ in queries]
    nearest: dict[str, np.ndarray] = {}
    for rule, rows in by_rule.items():
        signal_type = rule.split()[0]
        if signal_type not in bank.words:
            continue
        d = distances(_words([v for _, v, _ in rows]), bank.words[signal_type])
        # As POST /v1/scan: an upload's hash below its type's quality gate is matched exactly only.
        gate = match_rule.PDQ_MIN_QUALITY if signal_type == "pdq" else regions.MIN_QUALITY
        low_quality = np.array([q for _, _, q in rows]) < gate
        d = np.where(low_quality[:, None], np.where(d == 0, 0, 999), d)
        owner = bank.owner[signal_type]
        # Reduce bank hashes to originals (videos have many frames per original).
        order = np.argsort(owner, kind="stable")
        starts = np.searchsorted(owner[order], np.arange(bank.size))
        per_original = np.minimum.reduceat(d[:, order], starts, axis=1) if len(order) else d
        nearest[rule] = per_original
        threshold = thresholds[rule]
        for row, original in zip(*np.nonzero(per_original <= threshold), strict=True):
            qi = rows[row][0]
            distance = int(per_original[row, original])
            previous = hits[qi].get(int(original))
            if previous is None or distance - threshold < previous[1] - thresholds[previous[0]]:
                hits[qi][int(original)] = (rule, distance)
    return hits, nearest, by_rule


def baseline_hits(queries: list[tuple[bytes, int]], bank_plain: np.ndarray) -> np.ndarray:
    d = distances(_words([v for v, _ in queries]), bank_plain)
    return d <= BASELINE_PDQ_THRESHOLD


# --- a hash-only bank: whole-picture PDQs, as hash exchanges ship them ---------------------

# The rules POST /v1/scan applies to a bank entry of type pdq: the upload's own PDQ, and its
# trimmed picture's hash (pdq_norm) with its de-rotations (scan.flows.ALSO_MATCHED_AS), all under
# PDQ's quality gate and the bank's PDQ threshold.
HASH_ONLY_RULES = ("pdq", "pdq_norm", "pdq_norm rotated")


def hash_only_hits(
    queries: list[Hashes], bank_pdq: np.ndarray
) -> tuple[list[dict[int, tuple[str, int]]], dict[str, int | None]]:
    """Per query, the originals it matches in a bank of their whole-picture PDQs only, with the
    rule that fired (the smallest distance wins); and per rule, the smallest distance seen."""
    rows: list[tuple[int, str, bytes, int]] = []
    for qi, hashes in enumerate(queries):
        rows.append((qi, "pdq", hashes.plain[0], hashes.plain[1]))
        for signal_type, variant, value, quality in hashes.region:
            if signal_type == "pdq_norm":
                rows.append((qi, "pdq_norm rotated" if variant else "pdq_norm", value, quality))
    d = distances(_words([value for _, _, value, _ in rows]), bank_pdq)
    low_quality = np.array([quality for *_, quality in rows]) < match_rule.PDQ_MIN_QUALITY
    d = np.where(low_quality[:, None], np.where(d == 0, 0, 999), d)
    hits: list[dict[int, tuple[str, int]]] = [{} for _ in queries]
    for row, original in zip(*np.nonzero(d <= BASELINE_PDQ_THRESHOLD), strict=True):
        qi, rule = rows[row][0], rows[row][1]
        distance = int(d[row, original])
        previous = hits[qi].get(int(original))
        if previous is None or distance < previous[1]:
            hits[qi][int(original)] = (rule, distance)
    rule_of_row = np.array([rule for _, rule, _, _ in rows])
    closest = {
        rule: (int(d[rule_of_row == rule].min()) if (rule_of_row == rule).any() else None)
        for rule in HASH_ONLY_RULES
    }
    return hits, closest


def hash_only_benchmark(originals: list[Hashes], flat_copies: list, distractors: list) -> dict:
    bank_pdq = _words([h.plain[0] for h in originals])
    copy_hits, _ = hash_only_hits([h for *_, h in flat_copies], bank_pdq)
    rows: dict[tuple[str, int], dict] = {}
    other_false: Counter = Counter()
    for (owner, transform, strength, _), hits in zip(flat_copies, copy_hits, strict=True):
        row = rows.setdefault(
            (transform, strength), {"n": 0, "without_rotations": 0, "all": 0, "via": Counter()}
        )
        row["n"] += 1
        if owner in hits:
            rule = hits[owner][0]
            row["all"] += 1
            row["without_rotations"] += rule != "pdq_norm rotated"
            row["via"][rule] += 1
        for original, (rule, _) in hits.items():
            if original != owner:
                other_false[rule] += 1
    dist_hits, closest = hash_only_hits(distractors, bank_pdq)
    false: Counter = Counter(rule for hits in dist_hits for rule, _ in hits.values())
    return {"rows": rows, "false": false, "other_false": other_false, "closest": closest}


# --- pdq_crop: keypoints, then the aligned central half (signals/keypoints.py) ---------------

_CROP_BANK: tuple | None = None


@dataclass(frozen=True)
class _Neighbour:
    query_row: int
    entry_id: int
    bank_id: int
    position: int
    distance: int


def _crop_bank_init(values: list[str]) -> None:
    """Each worker's bank: every original's keypoints in one exact (flat) descriptor index, as
    the match index holds them (one row per keypoint, in the value's order)."""
    import faiss

    global _CROP_BANK
    parsed = [keypoints.parse(value) for value in values]
    owner = np.concatenate([np.full(len(p.descriptors), i) for i, p in enumerate(parsed)])
    position = np.concatenate([np.arange(len(p.descriptors)) for p in parsed])
    index = faiss.IndexBinaryFlat(256)
    index.add(np.concatenate([p.descriptors for p in parsed]))
    _CROP_BANK = (values, owner, position, index)


def crop_matches(data: bytes) -> dict[int, int]:
    """original -> PDQ distance of the aligned central half, for an upload (as POST /v1/scan)."""
    assert _CROP_BANK is not None
    values, owner, position, index = _CROP_BANK
    media = decode(data, settings=SETTINGS)
    pixels = normalise.trimmed_upload(media)
    upload = keypoints.keypoints_of(pixels)
    if not len(upload.descriptors):
        return {}
    found_distances, rows = index.search(upload.descriptors, keypoints.NEIGHBOURS)
    neighbours = [
        _Neighbour(q, int(owner[row]), 0, int(position[row]), int(d))
        for q, (ds, rs) in enumerate(zip(found_distances, rows, strict=True))
        for d, row in zip(ds, rs, strict=True)
        if row >= 0 and d <= keypoints.DESCRIPTOR_RADIUS
    ]
    found = keypoints.match_upload(
        pixels, upload, neighbours, lambda ids: {i: values[i] for i in ids}
    )
    return {m.entry_id: m.distance for m in found}


def _crop_copies_job(args: tuple[int, int]) -> list[tuple[str, int, dict[int, int]]]:
    index, seed = args
    original = generate.original_image(index, seed)
    return [
        (
            transform,
            strength,
            crop_matches(generate.image_copy_jpeg(original, transform, strength, seed, index)),
        )
        for transform in generate.IMAGE_TRANSFORMS
        for strength in generate.STRENGTHS
    ]


def _crop_distractor_job(args: tuple[int, int]) -> dict[int, int]:
    index, seed = args
    return crop_matches(generate.png_bytes(generate.distractor_image(index, seed)))


def _crop_original_job(args: tuple[int, int]) -> str:
    index, seed = args
    data = generate.png_bytes(generate.original_image(index, seed))
    return keypoints.keypoints_of(normalise.trimmed_upload(decode(data, settings=SETTINGS))).value()


def crop_benchmark(args, key: str) -> dict:
    """pdq_crop matches of every copy and distractor against every original (exact search)."""
    originals = cached(
        "crop-originals",
        key,
        lambda: run_pool(_crop_original_job, args.originals, args.seed, args.workers),
    )

    def run(job, count: int) -> list:
        tasks = [(i, args.seed) for i in range(count)]
        with ProcessPoolExecutor(
            max(1, args.workers), initializer=_crop_bank_init, initargs=(originals,)
        ) as pool:
            return list(pool.map(job, tasks, chunksize=8))

    started = time.perf_counter()
    copies = cached("crop-copies", key, lambda: run(_crop_copies_job, args.originals))
    distractors = cached(
        "crop-distractors", key, lambda: run(_crop_distractor_job, args.distractors)
    )
    return {"copies": copies, "distractors": distractors, "seconds": time.perf_counter() - started}


def add_crop_rule(images: dict, crops: dict) -> None:
    """Count pdq_crop in the image results: a copy it finds that no other rule found, and every
    confirmed pair (within the threshold) of a copy with another original or of a distractor."""
    threshold = images["thresholds"][keypoints.PDQ_CROP]
    closest = []
    for owner, per_copy in enumerate(crops["copies"]):
        for transform, strength, found in per_copy:
            row = images["rows"][(transform, strength)]
            missed = owner not in images["copy_hits"][(owner, transform, strength)]
            if missed and found.get(owner, 999) <= threshold:
                row["takedown"] += 1
                row["via"][keypoints.PDQ_CROP] += 1
            for original, distance in found.items():
                if original != owner:
                    closest.append(distance)
                    if distance <= threshold:
                        images["other_false"]["takedown"] += 1
                        images["other_false"][keypoints.PDQ_CROP] += 1
    for found in crops["distractors"]:
        for distance in found.values():
            closest.append(distance)
            if distance <= threshold:
                images["false"]["takedown"] += 1
                images["false"][keypoints.PDQ_CROP] += 1
    # Closest unrelated picture that keypoints aligned (distractors and other originals' copies).
    images["margins"][keypoints.PDQ_CROP] = min(closest, default=None)
    images["timing"]["crop matching"] = crops["seconds"]


# --- the run -------------------------------------------------------------------------------


def image_benchmark(args, key: str) -> dict:
    started = time.perf_counter()
    originals = cached(
        "originals", key, lambda: run_pool(_original_job, args.originals, args.seed, args.workers)
    )
    t_orig = time.perf_counter()
    copies = cached(
        "copies", key, lambda: run_pool(_copies_job, args.originals, args.seed, args.workers)
    )
    t_copies = time.perf_counter()
    distractors = cached(
        "distractors",
        key,
        lambda: run_pool(_distractor_job, args.distractors, args.seed, args.workers),
    )
    t_dist = time.perf_counter()
    bank = build_bank([[h] for h in originals])
    thresholds = match_rule.thresholds_for_bench()

    flat_copies = [(i, t, s, h) for i, per in enumerate(copies) for t, s, h in per]
    copy_hits, _, _ = best_matches([h for *_, h in flat_copies], bank, thresholds)
    base_copy = baseline_hits([h.plain for *_, h in flat_copies], bank.words["pdq"])
    rows: dict[tuple[str, int], dict] = {}
    other_false = Counter()
    matched_by_rules = {}
    for (owner, transform, strength, _), hits, base in zip(
        flat_copies, copy_hits, base_copy, strict=True
    ):
        matched_by_rules[(owner, transform, strength)] = set(hits)
        row = rows.setdefault(
            (transform, strength), {"n": 0, "base": 0, "takedown": 0, "via": Counter()}
        )
        row["n"] += 1
        row["base"] += bool(base[owner])
        if owner in hits:
            row["takedown"] += 1
            row["via"][hits[owner][0]] += 1
        other_false["baseline"] += int(base.sum() - base[owner])
        for original, (rule, _) in hits.items():
            if original != owner:
                other_false["takedown"] += 1
                other_false[rule] += 1

    dist_hits, nearest, by_rule = best_matches(distractors, bank, thresholds)
    base_dist = baseline_hits([h.plain for h in distractors], bank.words["pdq"])
    false = Counter()
    for hits in dist_hits:
        false["takedown"] += len(hits)
        for rule, _ in hits.values():
            false[rule] += 1
    margins = {}
    for rule, per_original in nearest.items():
        # Smallest distance any distractor (any of its hashes under this rule) had to an original.
        margins[rule] = int(per_original.min()) if per_original.size else None
    return {
        "rows": rows,
        "hash_only": hash_only_benchmark(originals, flat_copies, distractors),
        "copy_hits": matched_by_rules,
        "pairs": len(distractors) * len(originals),
        "copy_pairs": len(flat_copies) * (len(originals) - 1),
        "baseline_false": int(base_dist.sum()),
        "false": false,
        "other_false": other_false,
        "margins": margins,
        "thresholds": thresholds,
        "hashes_per_distractor": Counter(r for r, rows_ in by_rule.items() for _ in rows_),
        "timing": {
            "originals": t_orig - started,
            "copies": t_copies - t_orig,
            "distractors": t_dist - t_copies,
        },
        "counts": (len(originals), len(flat_copies), len(distractors)),
    }


# video type -> (frame hash type, which of that type's hashes in a frame: bands are top, bottom)
VIDEO_RULES = {
    "vpdq": ("pdq", 0),
    "vpdq_norm": ("pdq_norm", 0),
    "vpdq_center": ("pdq_center", 0),
    "vpdq_band_top": ("pdq_band", 0),
    "vpdq_band_bottom": ("pdq_band", 1),
}


def _frame_list(frames: list[Hashes], signal_type: str, nth: int) -> list[tuple[bytes, int]]:
    if signal_type == "pdq":
        return [h.plain for h in frames]
    out = []
    for h in frames:
        found = [(v, q) for t, variant, v, q in h.region if t == signal_type and not variant]
        out.append(found[nth])
    return out


def frame_share(
    query: list[tuple[bytes, int]],
    bank: list[tuple[bytes, int]],
    threshold: int,
    min_quality: int = VPDQ_QUALITY_THRESHOLD,
):
    """vPDQ's query share: repeated hashes dropped, then frames below `min_quality` on either
    side; percent of the query's frames within `threshold` of some bank frame."""
    q_unique = [v for v, q in dict(query).items() if q >= min_quality]
    b_unique = [v for v, q in dict(bank).items() if q >= min_quality]
    if not q_unique or not b_unique:
        return 0.0
    d = distances(_words(q_unique), _words(b_unique))
    return 100.0 * float((d.min(axis=1) <= threshold).mean())


def video_match(query: VideoHashes, bank_frames: list[list[Hashes]], bank_base, thresholds):
    """(baseline matched originals, Takedown matched originals -> rule) for one query video.

    Baseline: naive vPDQ, plain PDQ at 1 frame/s on both sides. Takedown: what the index does,
    each of vpdq, vpdq_norm and vpdq_center under the vPDQ rule, bank frames dense; the rule with
    the highest share is reported.
    """
    base = [
        original
        for original, frames in enumerate(bank_base)
        if frame_share(query.baseline, frames, BASELINE_PDQ_THRESHOLD) >= VPDQ_QUERY_MATCH_PERCENT
    ]
    takedown: dict[int, str] = {}
    for original, frames in enumerate(bank_frames):
        shares = {
            rule: frame_share(
                _frame_list(query.takedown, signal_type, nth),
                _frame_list(frames, signal_type, nth),
                thresholds[signal_type],
                match_rule.VIDEO_FRAME_MIN_QUALITY[rule],
            )
            for rule, (signal_type, nth) in VIDEO_RULES.items()
        }
        best = max(shares, key=shares.__getitem__)
        if shares[best] >= match_rule.VIDEO_QUERY_MATCH_PERCENT:
            takedown[original] = best
    return base, takedown


def video_hash_only_match(query: VideoHashes, bank_base) -> dict[int, str]:
    """Originals matched in a bank of their vPDQ only, at 1 frame/s (what python-threatexchange
    makes, what exchanges ship): the upload's vPDQ, and its trimmed frames (vpdq_norm) under
    vPDQ's own gate, as POST /v1/scan compares them (scan.flows.ALSO_MATCHED_AS)."""
    frames = {
        "vpdq": _frame_list(query.takedown, "pdq", 0),
        "vpdq_norm": _frame_list(query.takedown, "pdq_norm", 0),
    }
    matched: dict[int, str] = {}
    for original, bank in enumerate(bank_base):
        for rule, query_frames in frames.items():
            share = frame_share(query_frames, bank, BASELINE_PDQ_THRESHOLD)
            if share >= match_rule.VIDEO_QUERY_MATCH_PERCENT:
                matched[original] = rule
                break
    return matched


def video_hash_only(made: list, distractors: list[VideoHashes]) -> dict:
    bank_base = [bank.baseline for bank, _ in made]
    rows: dict[tuple[str, int], dict] = {}
    for owner, (_, copies) in enumerate(made):
        for transform, strength, query in copies:
            matched = video_hash_only_match(query, bank_base)
            row = rows.setdefault((transform, strength), {"n": 0, "takedown": 0, "via": Counter()})
            row["n"] += 1
            if owner in matched:
                row["takedown"] += 1
                row["via"][matched[owner]] += 1
    false = sum(len(video_hash_only_match(query, bank_base)) for query in distractors)
    return {"rows": rows, "false": false}


def video_benchmark(args, key: str) -> dict:
    started = time.perf_counter()
    made = cached(
        "videos", key, lambda: run_pool(_video_original_job, args.videos, args.seed, args.workers)
    )
    t_orig = time.perf_counter()
    distractors = cached(
        "video-distractors",
        key,
        lambda: run_pool(_video_distractor_job, args.video_distractors, args.seed, args.workers),
    )
    t_dist = time.perf_counter()
    thresholds = match_rule.thresholds_for_bench()
    bank_frames = [bank.takedown for bank, _ in made]
    bank_base = [bank.baseline for bank, _ in made]
    rows: dict[tuple[str, int], dict] = {}
    for owner, (_, copies) in enumerate(made):
        for transform, strength, query in copies:
            base, takedown = video_match(query, bank_frames, bank_base, thresholds)
            row = rows.setdefault(
                (transform, strength), {"n": 0, "base": 0, "takedown": 0, "via": Counter()}
            )
            row["n"] += 1
            row["base"] += owner in base
            if owner in takedown:
                row["takedown"] += 1
                row["via"][takedown[owner]] += 1
    base_false = takedown_false = 0
    for query in distractors:
        base, takedown = video_match(query, bank_frames, bank_base, thresholds)
        base_false += len(base)
        takedown_false += len(takedown)
    return {
        "hash_only": video_hash_only(made, distractors),
        "rows": rows,
        "pairs": len(distractors) * len(made),
        "baseline_false": base_false,
        "takedown_false": takedown_false,
        "bank_frames": sum(len(f) for f in bank_frames),
        "timing": {"videos": t_orig - started, "distractors": t_dist - t_orig},
    }


def measure_costs(seed: int, count: int = 40) -> dict[str, float]:
    """Milliseconds per image (median over `count` originals) of each part of hashing."""
    from takedown.signals.pdq import pdq_hashes

    images = [generate.original_image(i, seed) for i in range(count)]
    images = [im.resize((min(im.width, 640), min(im.height, 640))) for im in images]
    parts = {
        "pdq + 8 dihedral variants (existing)": lambda im: pdq_hashes(im),
        "pdq_norm + pdq_center + 2 pdq_band (bank side)": lambda im: regions.reference_hashes(im),
        "the same + 6 de-rotations (upload side)": lambda im: regions.query_hashes(im),
        "pdq_crop: keypoints + central-half PDQ (both sides; trimmed picture given)": (
            lambda im: keypoints.keypoints_of(np.asarray(im.convert("RGB")))
        ),
    }
    costs = {}
    for name, work in parts.items():
        times = []
        for image in images:
            started = time.perf_counter()
            work(image)
            times.append(1000 * (time.perf_counter() - started))
        costs[name] = float(np.median(times))
    return costs


def _in_order(rows: dict, transforms: list[str]):
    """(transform, strength, row, "rule n, ...") in the benchmark's order of transformations."""
    for (transform, strength), row in sorted(
        rows.items(), key=lambda kv: (transforms.index(kv[0][0]), kv[0][1])
    ):
        yield transform, strength, row, ", ".join(f"{r} {n}" for r, n in row["via"].most_common())


def percent(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "-"


def hash_only_report(images: dict) -> list[str]:
    hash_only = images["hash_only"]
    lines = [
        "",
        "Against a hash-only bank (each original's whole-picture PDQ only, as hash exchanges ship "
        "them; the region types above need the media on the bank side):",
        "",
        "| Images: transformation | strength | copies | plain PDQ <= 31 | Takedown: pdq + "
        "trimmed | Takedown: + trimmed de-rotated | matched via |",
        "|---|---|---|---|---|---|---|",
    ]
    for transform, strength, row, via in _in_order(hash_only["rows"], generate.IMAGE_TRANSFORMS):
        base = images["rows"][(transform, strength)]["base"]
        lines.append(
            f"| {transform} | {strength} | {row['n']} | {percent(base, row['n'])} "
            f"| {percent(row['without_rotations'], row['n'])} | {percent(row['all'], row['n'])} "
            f"| {via} |"
        )
    lines += [
        "",
        "| Rule against a hash-only bank | threshold | false matches (distractors) | false "
        "matches (copies of other originals) | closest distractor distance |",
        "|---|---|---|---|---|",
    ]
    for rule in HASH_ONLY_RULES:
        lines.append(
            f"| {rule} | {BASELINE_PDQ_THRESHOLD} | {hash_only['false'][rule]} "
            f"| {hash_only['other_false'][rule]} | {hash_only['closest'][rule]} |"
        )
    return lines


def report(args, images: dict, videos: dict | None, elapsed: float) -> str:
    lines = [
        f"Seed {args.seed}; {images['counts'][0]} originals, {images['counts'][1]} image copies, "
        f"{images['counts'][2]} distractors; run took {elapsed:.0f} s.",
        "",
        "| Images: transformation | strength | copies | plain PDQ <= 31 | Takedown "
        "| Takedown matched via |",
        "|---|---|---|---|---|---|",
    ]
    for transform, strength, row, via in _in_order(images["rows"], generate.IMAGE_TRANSFORMS):
        lines.append(
            f"| {transform} | {strength} | {row['n']} | {percent(row['base'], row['n'])} "
            f"| {percent(row['takedown'], row['n'])} | {via} |"
        )
    lines += [
        "",
        f"False matches, original x distractor pairs ({images['pairs']:,} pairs): plain PDQ "
        f"{images['baseline_false']}, Takedown {images['false']['takedown']}.",
        f"False matches, copy x other-original pairs ({images['copy_pairs']:,} pairs): plain PDQ "
        f"{images['other_false']['baseline']}, Takedown {images['other_false']['takedown']}.",
        "",
        "| Takedown rule | threshold | false matches (distractors) | false matches (copies of "
        "other originals) | closest distractor distance |",
        "|---|---|---|---|---|",
    ]
    for rule, threshold in images["thresholds"].items():
        lines.append(
            f"| {rule} | {threshold} | {images['false'][rule]} | {images['other_false'][rule]} "
            f"| {images['margins'].get(rule)} |"
        )
    lines += hash_only_report(images)
    if videos:
        lines += [
            "",
            "| Videos: transformation | strength | copies | naive vPDQ (1 frame/s) | Takedown "
            "| Takedown matched via |",
            "|---|---|---|---|---|---|",
        ]
        for transform, strength, row, via in _in_order(videos["rows"], generate.VIDEO_TRANSFORMS):
            lines.append(
                f"| {transform} | {strength} | {row['n']} | {percent(row['base'], row['n'])} "
                f"| {percent(row['takedown'], row['n'])} | {via} |"
            )
        lines += [
            "",
            f"False matches, original video x distractor video pairs ({videos['pairs']:,} pairs): "
            f"naive vPDQ {videos['baseline_false']}, Takedown {videos['takedown_false']}. "
            f"Bank frames hashed: {videos['bank_frames']} "
            f"({match_rule.BANK_VIDEO_FRAMES_PER_SECOND:g} frames/s).",
            "",
            "Against a hash-only video bank (each original's vPDQ only, 1 frame/s, as "
            "python-threatexchange makes it and exchanges ship it):",
            "",
            "| Videos: transformation | strength | copies | naive vPDQ (1 frame/s) | Takedown: "
            "vpdq + trimmed frames | matched via |",
            "|---|---|---|---|---|---|",
        ]
        for transform, strength, row, via in _in_order(
            videos["hash_only"]["rows"], generate.VIDEO_TRANSFORMS
        ):
            base = videos["rows"][(transform, strength)]["base"]
            lines.append(
                f"| {transform} | {strength} | {row['n']} | {percent(base, row['n'])} "
                f"| {percent(row['takedown'], row['n'])} | {via} |"
            )
        lines += [
            "",
            f"False matches against the hash-only video bank ({videos['pairs']:,} pairs): "
            f"{videos['hash_only']['false']}.",
        ]
    timing = {**images["timing"], **({"videos": videos["timing"]} if videos else {})}
    lines += ["", f"Hashing time (s, uncached parts only meaningful): {timing}"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--originals", type=int, default=160)
    parser.add_argument("--distractors", type=int, default=6300)
    parser.add_argument("--videos", type=int, default=16)
    parser.add_argument("--video-distractors", type=int, default=48)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "match_quality.md")
    args = parser.parse_args()
    started = time.perf_counter()
    key = hashlib.sha256(
        f"{args.seed}/{args.originals}/{args.distractors}/{args.videos}/"
        f"{args.video_distractors}/{_code_version()}".encode()
    ).hexdigest()[:16]
    images = image_benchmark(args, key)
    crop_key = hashlib.sha256(
        f"{key}/{Path(keypoints.__file__).read_bytes().hex()}".encode()
    ).hexdigest()[:16]
    add_crop_rule(images, crop_benchmark(args, crop_key))
    videos = video_benchmark(args, key) if args.videos else None
    text = report(args, images, videos, time.perf_counter() - started)
    costs = measure_costs(args.seed)
    text += "\n\nHashing cost per image (median ms, this machine, this run):\n\n" + "\n".join(
        f"- {name}: {ms:.1f} ms" for name, ms in costs.items()
    )
    header = f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC: {' '.join(sys.argv)}\n\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(header + text + "\n")
    print(header + text)


if __name__ == "__main__":
    main()
