"""Benchmark 1: image hashing throughput and agreement with full-resolution PDQ.

    .venv/bin/python bench/hashing.py [--images 48] [--rounds 3] [--append-results]

On the same ~1-megapixel benign JPEGs (generated scenes and scikit-image stand-ins from
tests/media.py), in one process and interleaved round by round, it measures images/s for:
- Takedown's pipeline, `signals.service.hash_media`: every registered signal type (including the
  match-quality types pdq_norm/pdq_center when registered);
- Takedown's core: `media.decode` (limits, EXIF orientation, shrink to the PDQ-window-matched
  size) + PDQ with all 8 dihedral variants + MD5 + SHA-256;
- python-threatexchange's `PdqSignal.hash_from_bytes` (one PDQ on full pixels);
- `pdqhash.compute` on full-resolution pixels (Pillow decode + the binding);
- for reference only, "512 px": Meta's C++ shortcut (JPEG draft + shrink to 512 px + pdqhash).
and the Hamming distance of each shortcut's PDQ to the full-resolution hash for quality >= 80.
"""

from __future__ import annotations

import argparse
import ctypes
import io
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pdqhash  # noqa: E402
from PIL import Image  # noqa: E402
from tests.media import STAND_INS, generated_scene, jpeg, stand_in  # noqa: E402
from threatexchange.signal_type.pdq.signal import PdqSignal  # noqa: E402

from takedown.media import decode  # noqa: E402
from takedown.settings import Settings  # noqa: E402
from takedown.signals.registry import SIGNAL_TYPES  # noqa: E402
from takedown.signals.service import hash_media  # noqa: E402

SIZES = [(1280, 800), (1152, 864), (1000, 1000), (1224, 816), (864, 1152)]


def benign_jpegs(count: int) -> list[bytes]:
    """About 1 MP each: generated scenes, and stand-ins resized to about 1 MP."""
    images = []
    for index in range(count):
        size = SIZES[index % len(SIZES)]
        if index % 4 == 3:
            image = stand_in(STAND_INS[(index // 4) % len(STAND_INS)]).resize(size, Image.LANCZOS)
        else:
            image = generated_scene(1000 + index, size)
        images.append(jpeg(image, quality=90))
    return images


def _hex(bits: np.ndarray) -> str:
    return np.packbits(np.asarray(bits, np.uint8)).tobytes().hex()


def full_resolution(data: bytes) -> tuple[str, int]:
    bits, quality = pdqhash.compute(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))
    return _hex(bits), int(quality)


def meta_512(data: bytes) -> str:
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", (512, 512))
    image = image.convert("RGB")
    image.thumbnail((512, 512), Image.BILINEAR)
    vectors, _ = pdqhash.compute_dihedral(np.asarray(image))
    return _hex(vectors[0])


def pin_allocator() -> str:
    """Fix glibc malloc's thresholds for the run; what the report says about it.

    glibc hands big buffers back to the OS below a threshold it moves as the process runs, so a
    hasher that allocates full-resolution buffers per image (pdqhash does) ran 1.6x slower or
    not depending on what else had run in the process before it (python-threatexchange: 15 ms an
    image, then 25-28 ms after some Takedown hashing, 2026-12-04). Pinned, every hasher gets
    the heap-reused case.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return "allocator not pinned (no glibc)"
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_mmap_threshold, 64 << 20)
    libc.mallopt(m_trim_threshold, 256 << 20)
    return "glibc malloc thresholds pinned (mmap 64 MiB, trim 256 MiB)"


def distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def throughput(method: Callable[[bytes], object], images: list[bytes]) -> tuple[float, float]:
    """(images per wall-clock second, images per CPU second of this process).

    The machine is shared: CPU time counts only this process's work, wall time also others' load.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    for data in images:
        method(data)
    return len(images) / (time.perf_counter() - wall), len(images) / (time.process_time() - cpu)


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=48)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--append-results", action="store_true")
    args = parser.parse_args()

    allocator = pin_allocator()
    settings = Settings()
    images = benign_jpegs(args.images)
    megapixels = statistics.mean(
        Image.open(io.BytesIO(d)).width * Image.open(io.BytesIO(d)).height / 1e6 for d in images
    )
    core_types = [SIGNAL_TYPES[name] for name in ("pdq", "md5", "sha256")]

    def core(data: bytes) -> list[dict]:
        media = decode(data, settings=settings)
        return [s for t in core_types for s in t.compute(data, media, settings=settings)]

    every_type = ", ".join(SIGNAL_TYPES)
    methods: dict[str, Callable[[bytes], object]] = {
        f"Takedown hash_media (all registered types: {every_type})": lambda d: hash_media(
            d, settings=settings
        ),
        "Takedown core: decode + PDQ (8 variants) + MD5 + SHA-256": core,
        "python-threatexchange PdqSignal.hash_from_bytes": PdqSignal.hash_from_bytes,
        "pdqhash on full-resolution pixels": full_resolution,
        "512 px shortcut (reference only; not used)": meta_512,
    }
    for method in methods.values():  # warm up imports and caches
        method(images[0])
    rates: dict[str, list[float]] = {name: [] for name in methods}
    cpu_rates: dict[str, list[float]] = {name: [] for name in methods}
    load_before = os.getloadavg()[0]
    for _ in range(args.rounds):
        for name, method in methods.items():
            wall_rate, cpu_rate = throughput(method, images)
            rates[name].append(wall_rate)
            cpu_rates[name].append(cpu_rate)
    load_after = os.getloadavg()[0]

    takedown_distances, shortcut_distances, compared = [], [], 0
    for data in images:
        reference, quality = full_resolution(data)
        if quality < 80:
            continue
        compared += 1
        ours = next(s for s in core(data) if s["type"] == "pdq")
        takedown_distances.append(distance(ours["value"], reference))
        shortcut_distances.append(distance(meta_512(data), reference))

    median = {name: statistics.median(values) for name, values in rates.items()}
    cpu_median = {name: statistics.median(values) for name, values in cpu_rates.items()}
    tx_name = "python-threatexchange PdqSignal.hash_from_bytes"
    tx, tx_cpu = median[tx_name], cpu_median[tx_name]
    command = "  ".join(
        [".venv/bin/python bench/hashing.py", f"--images {args.images}", f"--rounds {args.rounds}"]
    ).replace("  ", " ")
    lines = [
        "## Hashing",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}; load average {load_before:.1f} before, {load_after:.1f} after"
        " (the machine is shared)",
        f"- Command: `{command}`",
        f"- Images: {len(images)} benign JPEGs (quality 90) from tests/media.py, mean "
        f"{megapixels:.2f} MP; median of {args.rounds} interleaved rounds; {allocator}",
        "",
        "| Hasher | images/s (wall) | vs python-threatexchange | images/CPU-s "
        "| vs python-threatexchange |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in methods:
        lines.append(
            f"| {name} | {median[name]:.1f} | {median[name] / tx:.2f}x "
            f"| {cpu_median[name]:.1f} | {cpu_median[name] / tx_cpu:.2f}x |"
        )
    lines.append("")
    lines.append(
        "Each round, images/s: "
        + "; ".join(
            f"{name.split(' (')[0].split(':')[0]}: {', '.join(f'{r:.1f}' for r in values)}"
            for name, values in rates.items()
        )
    )
    lines += [
        "",
        f"Distance to the full-resolution PDQ, {compared} images of quality >= 80: Takedown max "
        f"{max(takedown_distances)}, mean {statistics.mean(takedown_distances):.2f} "
        "(target <= 10); "
        f"512 px shortcut max {max(shortcut_distances)}, "
        f"mean {statistics.mean(shortcut_distances):.2f}.",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if args.append_results:
        results = ROOT / "bench" / "RESULTS.md"
        if not results.exists():
            results.write_text(
                "# Benchmark results\n\nMeasured on the shared 2-core development machines; "
                "each section says how to rerun it.\n\n"
            )
        with results.open("a") as handle:
            handle.write("\n" + report)


if __name__ == "__main__":
    main()
