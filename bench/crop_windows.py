"""Why Takedown has no crop signal: how many banked PDQ windows a random-offset crop would need.

    .venv/bin/python bench/crop_windows.py [--originals 40] [--steps 0.05,0.02]

The match-quality benchmark's crop copies keep 90 % (strength 1) or 75 % (strength 2) of each side
at a random offset. A bank could store the PDQ of many windows of each original, so that some
window lines up with any crop. This measures the best case for that idea: windows of exactly the
two crop sizes (a real bank would not know them), at offsets on a grid of the given step (share of
the side), against the benchmark's own crop copies (bench/generate.py, seed 5). It prints, per
step, the windows each banked picture would need and the recall of crops within distance 31.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import generate  # noqa: E402
from takedown.signals.normalise import trim_borders, working_copy  # noqa: E402
from takedown.signals.regions import pdq_hex  # noqa: E402

KEEPS = (0.9, 0.75)  # bench/generate.py `crop`, strengths 1 and 2


def windows(keep: float, step: float) -> list[tuple[float, float, float]]:
    offsets = list(np.arange(0.0, 1.0 - keep + 1e-9, step))
    if offsets[-1] < 1.0 - keep - 1e-6:
        offsets.append(1.0 - keep)
    return [(keep, x, y) for x in offsets for y in offsets]


def window_hash(pixels: np.ndarray, keep: float, x: float, y: float) -> str:
    height, width = pixels.shape[:2]
    left, top = round(x * width), round(y * height)
    crop = pixels[top : top + round(keep * height), left : left + round(keep * width)]
    return pdq_hex(np.ascontiguousarray(crop))[0]


def distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--originals", type=int, default=40)
    parser.add_argument("--steps", default="0.05,0.02")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    print("| grid step | windows per banked picture | crop 90 % recall | crop 75 % recall |")
    print("|---:|---:|---:|---:|")
    for step in (float(s) for s in args.steps.split(",")):
        grid = [w for keep in KEEPS for w in windows(keep, step)]
        found = {1: 0, 2: 0}
        for index in range(args.originals):
            original = generate.original_image(index, args.seed)
            pixels = trim_borders(working_copy(original), chrome=True)
            bank = [window_hash(pixels, *w) for w in grid]
            for strength in (1, 2):
                copy = generate.image_copy(original, "crop", strength, args.seed, index)
                query = pdq_hex(trim_borders(working_copy(copy), chrome=True))[0]
                found[strength] += min(distance(query, b) for b in bank) <= 31
        recall = [100 * found[s] / args.originals for s in (1, 2)]
        print(f"| {step:.2f} | {len(grid)} | {recall[0]:.1f} % | {recall[1]:.1f} % |")


if __name__ == "__main__":
    main()
