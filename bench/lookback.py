"""Lookback throughput: a search of newly banked hashes through the uploads already scanned, side by
side with the every-copy search (`enforcement.copies.find_copies`) over the same ledger and hashes.

    .venv/bin/python bench/lookback.py [--uploads 20000] [--hashes 1000] [--distinct 100]

The ledger: `--distinct` benign pictures scanned for real (`scan_upload`, empty banks), their rows
then copied under new content ids up to `--uploads`. Then `--hashes` random PDQ hashes are banked
(a typical exchange batch; none matches) and both searches run over the whole ledger:
- lookback: each upload's stored signals (every PDQ variant, rotation and region) matched again by
  the scan's rule against an index of the new hashes (`lookback.service.run_lookback`);
- every-copy search: the same hashes as PDQ queries against the ledger's PDQ rows (numpy), the
  search a confirmed case starts (it compares whole-picture PDQs only).
Results go to stdout as a Markdown table row (append to bench/RESULTS.md by hand, with the date).
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sqlalchemy import text  # noqa: E402
from tests.media import generated_scene, jpeg  # noqa: E402

from takedown import clock  # noqa: E402
from takedown.banks import service as banks  # noqa: E402
from takedown.enforcement.copies import find_copies  # noqa: E402
from takedown.index.service import load_index  # noqa: E402
from takedown.lookback import service as lookback  # noqa: E402
from takedown.scan.flows import scan_upload  # noqa: E402
from takedown.settings import Settings  # noqa: E402
from takedown.signals.service import warm_up  # noqa: E402
from takedown.store.db import session_scope  # noqa: E402
from takedown.store.migrate import upgrade  # noqa: E402


def build_ledger(settings: Settings, distinct: int, uploads: int) -> None:
    index = load_index(settings)
    for n in range(distinct):
        with session_scope(settings.resolved_database_url) as db_session:
            scan_upload(
                db_session=db_session,
                settings=settings,
                index=index,
                data=jpeg(generated_scene(50_000 + n, (1024, 768)), quality=85),
                content_id=f"post-{n}",
                account_id=f"acct-{n % 50}",
            )
    index.close()
    with session_scope(settings.resolved_database_url) as db_session:
        copies = 1
        while distinct * (copies + 1) <= uploads:
            db_session.execute(
                text(
                    "INSERT INTO content_items (scan_id, content_id, account_id, content_url,"
                    " content_url_key, filename, media_type, size_bytes, verdict, signals,"
                    " scanned_at) SELECT scan_id || :suffix, content_id || :suffix, account_id,"
                    " content_url, content_url_key, filename, media_type, size_bytes, verdict,"
                    " signals, scanned_at FROM content_items WHERE id <= :distinct ORDER BY id"
                ),
                {"suffix": f"-{copies}", "distinct": distinct},
            )
            db_session.execute(
                text(
                    "INSERT INTO content_signals (content_item_id, signal_type, value, quality)"
                    " SELECT s.content_item_id + :offset, s.signal_type, s.value, s.quality"
                    " FROM content_signals s WHERE s.content_item_id <= :distinct"
                ),
                {"offset": distinct * copies, "distinct": distinct},
            )
            copies += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=20_000)
    parser.add_argument("--hashes", type=int, default=1_000)
    parser.add_argument("--distinct", type=int, default=100)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    hashes = [bytes(rng.integers(0, 256, 32, dtype=np.uint8)).hex() for _ in range(args.hashes)]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/ledger.db"
        upgrade(url)
        settings = Settings(data_dir=Path(tmp) / "data", database_url=url)
        warm_up(settings)
        with session_scope(url) as db_session:
            banks.create_bank(
                db_session=db_session, name="industry", category="csam", action="block"
            )
        build_ledger(settings, args.distinct, args.uploads)
        with session_scope(url) as db_session:
            rows = db_session.scalar(text("SELECT count(*) FROM content_items"))
            banks.add_entries(
                db_session=db_session,
                bank="industry",
                entries=[{"type": "pdq", "value": h} for h in hashes],
                added_by="bench",
            )
        clock.advance(timedelta(seconds=11))
        lookback.RUN_SECONDS = 3600.0
        started = time.perf_counter()
        found = lookback.run_lookback(settings)
        lookback_seconds = time.perf_counter() - started

        started = time.perf_counter()
        with session_scope(url) as db_session:
            copies = find_copies(
                db_session=db_session,
                settings=settings,
                signals=[{"type": "pdq", "value": h, "quality": 100} for h in hashes],
                pdq_threshold=31,
            )
        copy_seconds = time.perf_counter() - started
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, python {platform.python_version()}")
    print(f"ledger uploads: {rows}; hashes banked: {args.hashes}; found: {found} / {len(copies)}")
    print("| search | seconds | uploads/s | vs every-copy search |")
    print("|---|---:|---:|---:|")
    for name, seconds in (
        ("lookback (the scan's rule on stored signals)", lookback_seconds),
        ("every-copy search (numpy over PDQ rows)", copy_seconds),
    ):
        print(f"| {name} | {seconds:.2f} | {rows / seconds:,.0f} | {copy_seconds / seconds:.2f}x |")


if __name__ == "__main__":
    main()
