"""Across media: banked pictures found in uploaded videos, stills of banked videos found in
uploaded pictures (src/takedown/scan/cross_media.py), and the false matches the rule costs.

    .venv/bin/python bench/cross_media.py [--append]

Everything is hashed by Takedown's own `hash_media`, as POST /v1/scan and a bank import do
(bank videos at TAKEDOWN_BANK_VIDEO_FRAMES_PER_SECOND, uploads at 1 frame/s). Matches are
counted by brute force over every hash pair (the index is exact, tests/ check it), under the
rule's threshold (the default bank PDQ threshold, 31) and quality gate (50).
- Recall: a slideshow (three pictures, 3 s each, 10 fps) holding one banked picture in the
  middle; a still taken from the middle of a banked video, resized to 80 % and saved as a
  JPEG of quality 75, and the same still mirrored.
- False matches: every unrelated uploaded picture (each of its 8 orientations) against every
  frame of every banked video, and every frame of every unrelated uploaded video against every
  banked picture. Benign generated media only (bench/generate.py).
No baseline column: matching each medium only against its own kind (PDQ against banked
pictures, vPDQ against banked videos, as python-threatexchange and HMA do) never compares a
picture with a video, so it finds none of these copies by construction, not by measurement.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from PIL import Image, ImageOps  # noqa: E402

import generate  # noqa: E402
import results_file  # noqa: E402
from takedown.scan.cross_media import FRAME_TYPES  # noqa: E402
from takedown.settings import Settings  # noqa: E402
from takedown.signals.service import hash_media  # noqa: E402
from takedown.signals.vpdq import parse_vpdq  # noqa: E402

SETTINGS = Settings()
THRESHOLD = 31
QUALITY = 50


def _pdqs(data: bytes, *, every_orientation: bool, filename: str = "p.png") -> list[bytes]:
    hashed = hash_media(data, settings=SETTINGS, filename=filename)
    return [
        bytes.fromhex(str(s["value"]))
        for s in hashed.signals
        if s["type"] == "pdq"
        and (s.get("quality") or 0) >= QUALITY
        and (every_orientation or s.get("variant") in (None, "original"))
    ]


def _frames(data: bytes, *, bank: bool) -> list[bytes]:
    """A bank video's frames as banked (vpdq); an upload's as the rule reads them (vpdq, and
    vpdq_norm: each frame with its borders trimmed)."""
    rate = SETTINGS.bank_video_frames_per_second if bank else SETTINGS.video_frames_per_second
    hashed = hash_media(data, settings=SETTINGS, filename="v.mp4", frames_per_second=rate)
    types = {"vpdq"} if bank else set(FRAME_TYPES)
    return sorted(
        {
            bytes.fromhex(frame.hash)
            for signal in hashed.signals
            if signal["type"] in types and not signal.get("variant")
            for frame in parse_vpdq(str(signal["value"]))
            if frame.quality >= QUALITY
        }
    )


def _jpeg(image: Image.Image, quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def bank_picture(args: tuple[int, int]) -> list[bytes]:
    index, seed = args
    return _pdqs(generate.png_bytes(generate.original_image(index, seed)), every_orientation=False)


def unrelated_picture(args: tuple[int, int]) -> list[bytes]:
    index, seed = args
    data = _jpeg(generate.distractor_image(index, seed))
    return _pdqs(data, every_orientation=True, filename="p.jpg")


def bank_video(args: tuple[int, int]) -> tuple[list[bytes], list[list[bytes]]]:
    """A banked video's frames, and two stills of it as uploaded (plain and mirrored)."""
    index, seed = args
    frames = generate.video_frames(seed, index, family=10)
    still = frames[len(frames) // 2]
    still = still.resize((int(still.width * 0.8), int(still.height * 0.8)))
    stills = [
        _pdqs(_jpeg(picture, 75), every_orientation=True, filename="s.jpg")
        for picture in (still, ImageOps.mirror(still))
    ]
    return _frames(generate.encode_video(frames), bank=True), stills


def unrelated_video(args: tuple[int, int]) -> list[bytes]:
    index, seed = args
    return _frames(generate.encode_video(generate.video_frames(seed, index, family=20)), bank=False)


def slideshow(args: tuple[int, int]) -> list[bytes]:
    """An uploaded slideshow: an unrelated picture, banked picture `index`, another unrelated,
    3 s each."""
    index, seed = args
    size = generate.VIDEO_SIZE
    pictures = [
        generate.distractor_image(10_000 + index, seed),
        generate.original_image(index, seed),
        generate.distractor_image(20_000 + index, seed),
    ]
    # Fitted inside the frame with black bars, as slideshow makers do.
    frames = [ImageOps.pad(p.convert("RGB"), size) for p in pictures for _ in range(30)]
    return _frames(generate.encode_video(frames), bank=False)


def _words(hashes: list[bytes]) -> np.ndarray:
    if not hashes:
        return np.zeros((0, 4), dtype=np.uint64)
    return np.frombuffer(b"".join(hashes), dtype=">u8").astype(np.uint64).reshape(-1, 4)


def _closest(queries: list[bytes], bank: list[bytes]) -> int:
    """The smallest bit distance between any query hash and any bank hash (257 if none)."""
    q, b = _words(queries), _words(bank)
    if not len(q) or not len(b):
        return 257
    xor = q[:, None, :] ^ b[None, :, :]
    bits = np.unpackbits(xor.view(np.uint8), axis=-1).reshape(len(q), len(b), -1).sum(-1)
    return int(bits.min())


def run(job, count: int, seed: int, workers: int, start: int = 0) -> list:
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(job, [(start + i, seed) for i in range(count)], chunksize=4))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--pictures", type=int, default=1000, help="banked pictures")
    parser.add_argument("--videos", type=int, default=16, help="banked videos")
    parser.add_argument("--unrelated-pictures", type=int, default=2000)
    parser.add_argument("--unrelated-videos", type=int, default=48)
    parser.add_argument("--slideshows", type=int, default=48)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--append", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    started = time.perf_counter()
    seed, workers = args.seed, args.workers
    pictures = run(bank_picture, args.pictures, seed, workers)
    videos = run(bank_video, args.videos, seed, workers)
    others = run(unrelated_picture, args.unrelated_pictures, seed, workers)
    other_videos = run(unrelated_video, args.unrelated_videos, seed, workers)
    shows = run(slideshow, args.slideshows, seed, workers)

    all_pictures = [h for hashes in pictures for h in hashes]
    found_in_shows = sum(
        _closest(frames, pictures[i]) <= THRESHOLD for i, frames in enumerate(shows)
    )
    stills = [(i, kind, s) for i, (_, pair) in enumerate(videos) for kind, s in enumerate(pair)]
    stills_found = [0, 0]
    for i, kind, still in stills:
        stills_found[kind] += _closest(still, videos[i][0]) <= THRESHOLD
    picture_false = picture_pairs = 0
    picture_nearest = 257
    for hashes in others:
        for frames, _ in videos:
            nearest = _closest(hashes, frames)
            picture_nearest = min(picture_nearest, nearest)
            picture_false += nearest <= THRESHOLD
            picture_pairs += 1
    frame_comparisons = sum(len(h) for h in others) * sum(len(f) for f, _ in videos)
    video_false = video_pairs = 0
    video_nearest = 257
    for frames in other_videos:
        for hashes in pictures:
            nearest = _closest(frames, hashes)
            video_nearest = min(video_nearest, nearest)
            video_false += nearest <= THRESHOLD
            video_pairs += 1
    picture_comparisons = sum(len(f) for f in other_videos) * len(all_pictures)
    videos_n = len(videos)
    table = [
        "| Copy across media | copies | found |",
        "|---|---:|---:|",
        f"| banked picture shown 3 s in an uploaded slideshow | {len(shows)} "
        f"| {100 * found_in_shows / len(shows):.1f}% |",
        f"| still of a banked video, 80 %, JPEG 75 | {videos_n} "
        f"| {100 * stills_found[0] / videos_n:.1f}% |",
        f"| the same still mirrored | {videos_n} | {100 * stills_found[1] / videos_n:.1f}% |",
        "",
        "| False matches | pairs | hash comparisons | false matches | closest distance |",
        "|---|---:|---:|---:|---:|",
        f"| unrelated picture (8 orientations) x banked video frames | {picture_pairs:,} "
        f"| {frame_comparisons:,} | {picture_false} | {picture_nearest} |",
        f"| unrelated video frames x banked picture | {video_pairs:,} "
        f"| {picture_comparisons:,} | {video_false} | {video_nearest} |",
    ]
    notes = (
        f"seed {seed}; {len(pictures)} banked pictures, {videos_n} banked videos "
        f"({sum(len(f) for f, _ in videos)} frames), {len(others)} unrelated pictures, "
        f"{len(other_videos)} unrelated videos; run took {time.perf_counter() - started:.0f} s"
    )
    command = "bench/cross_media.py" + (" --append" if args.append else "")
    results_file.publish(
        "Across media: pictures in videos, stills of videos",
        f".venv/bin/python {command}",
        notes,
        table,
        append=args.append,
    )


if __name__ == "__main__":
    main()
