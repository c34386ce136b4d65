"""What matching costs a scan against a large PDQ bank, with and without comparing the upload's
trimmed picture (and its de-rotations) with the banked whole-picture PDQs.

    .venv/bin/python bench/scan_match_cost.py [--sizes 1000000 10000000] [--scans 200]

The bank is uniformly random PDQs (`MatchIndex.from_hashes`, the serving query path, no
database); the upload is bench/scan_api.py's 1 MP JPEG, hashed once. Side by side, alternating
scan by scan: `scan.flows.match_signals` as shipped, and the same with
`scan.flows.ALSO_MATCHED_AS` emptied (each type against its own table only). Prints medians.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from scan_api import machine, one_megapixel_jpeg  # noqa: E402
from takedown.index.service import BankInfo, MatchIndex  # noqa: E402
from takedown.scan import flows  # noqa: E402
from takedown.settings import Settings  # noqa: E402
from takedown.signals.service import hash_media  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--scans", type=int, default=200)
    args = parser.parse_args()
    settings = Settings()
    hashed = hash_media(one_megapixel_jpeg(), settings=settings)
    signals = [dict(s) for s in hashed.signals if s["type"] != "pdq_crop"]
    shipped = dict(flows.ALSO_MATCHED_AS)
    print(
        f"{machine()}; command: .venv/bin/python bench/scan_match_cost.py "
        f"--sizes {' '.join(map(str, args.sizes))} --scans {args.scans}\n"
    )
    print(
        "| banked PDQs | match_signals, own tables only (ms) | with the trimmed picture "
        "against pdq (ms) | added (ms) |"
    )
    print("|---|---|---|---|")
    rng = np.random.default_rng(7)
    bank = BankInfo(1, "bench", "other", "block", 31, {}, True)
    for size in args.sizes:
        index = MatchIndex.from_hashes(
            settings, rng.integers(0, 2**63, (size, 4), dtype=np.uint64), bank
        )
        times: dict[bool, list[float]] = {False: [], True: []}
        for n in range(args.scans + 10):
            for cross in (False, True):
                flows.ALSO_MATCHED_AS.clear()
                if cross:
                    flows.ALSO_MATCHED_AS.update(shipped)
                started = time.perf_counter()
                flows.match_signals(index=index, settings=settings, signals=signals)
                if n >= 10:
                    times[cross].append(time.perf_counter() - started)
        own, both = (statistics.median(times[c]) * 1000 for c in (False, True))
        print(f"| {size:,} | {own:.2f} | {both:.2f} | {both - own:+.2f} |")
        del index
    flows.ALSO_MATCHED_AS.update(shipped)


if __name__ == "__main__":
    main()
