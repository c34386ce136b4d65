"""In-process cost of the ledger's `content_url_key` index: `scan_upload` and its commit on SQLite,
with the index and with it dropped, in interleaved rounds (bench/RESULTS.md, POST /v1/scan, eighth
session).

    .venv/bin/python bench/scan_ledger_url_key.py [--rounds 6] [--scans 60]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

import scan_api  # noqa: E402
from takedown.index.service import load_index  # noqa: E402
from takedown.scan.flows import scan_upload  # noqa: E402
from takedown.settings import Settings  # noqa: E402
from takedown.signals.service import warm_up  # noqa: E402
from takedown.store.db import engine_for, session_scope  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--scans", type=int, default=60)
    args = parser.parse_args()
    data = scan_api.one_megapixel_jpeg()
    medians: dict[str, list[float]] = {"with the index": [], "without it": []}
    with tempfile.TemporaryDirectory() as tmp:
        servers = {}
        for n, name in enumerate(medians):
            url = f"sqlite:///{tmp}/ledger-{n}.db"
            scan_api.prepare(url, 10_000)
            if name == "without it":
                with engine_for(url).begin() as connection:
                    connection.execute(text("DROP INDEX ix_content_items_content_url_key"))
            settings = Settings(data_dir=Path(tmp) / str(n), database_url=url)
            warm_up(settings)
            servers[name] = (settings, load_index(settings))
        for round_number in range(args.rounds):
            for name, (settings, index) in servers.items():
                times = []
                for n in range(args.scans):
                    started = time.perf_counter()
                    with session_scope(settings.resolved_database_url) as db_session:
                        scan_upload(
                            db_session=db_session,
                            settings=settings,
                            index=index,
                            data=data,
                            content_id=f"post-{round_number}-{n}",
                            account_id="account",
                            content_url=f"https://platform.example/p/{round_number}/{n}",
                        )
                    times.append(time.perf_counter() - started)
                medians[name].append(statistics.median(times) * 1000)
    for name, values in medians.items():
        rounds = " ".join(f"{v:.2f}" for v in values)
        print(f"{name}: {rounds} ms; median {statistics.median(values):.2f} ms")


if __name__ == "__main__":
    main()
