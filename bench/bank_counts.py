"""A bank's entry counts: summed count rows against counting the entries (the method replaced).

    .venv/bin/python bench/bank_counts.py [--entries 1000000] [--database-url URL]
        [--append-results]

One bank of `--entries` random PDQ hashes, imported through `banks.service.add_entries` as an
import writes them (batches of 10,000, one count row each), a tenth of them then disabled in one
batch; the count rows are left unfolded (the worst case between two runs of the counts job).
Both methods are timed in the same run, alternately, on the same database: `entry_counts` as
every bank page and answer now reads it, and the group-by count of the entries that it replaced.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import numpy as np
from sqlalchemy import case, func, select, text

from results_file import publish
from takedown.banks import service
from takedown.banks.models import BankEntry
from takedown.store.db import dispose, session_scope
from takedown.store.migrate import upgrade

BATCH = 10_000


def build(url: str, entries: int, seed: int) -> None:
    upgrade(url)
    rng = np.random.default_rng(seed)
    with session_scope(url) as db_session:
        service.create_bank(db_session=db_session, name="big", category="csam", action="block")
    added: list[int] = []
    for first in range(0, entries, BATCH):
        hashes = rng.bytes(32 * min(BATCH, entries - first))
        batch = [
            service.NewEntry("pdq", hashes[i : i + 32].hex()) for i in range(0, len(hashes), 32)
        ]
        with session_scope(url) as db_session:
            added += service.add_entries(
                db_session=db_session, bank="big", entries=batch, added_by="bench"
            ).entry_ids
    with session_scope(url) as db_session:
        rows = db_session.execute(
            select(BankEntry.signal_type, BankEntry.value_digest).where(
                BankEntry.id.in_(added[::10][:30_000])
            )
        ).all()
        bank_id = service.get_bank(db_session=db_session, name="big").id
        service.set_entries_enabled(
            db_session=db_session, bank_id=bank_id, pairs=[tuple(r) for r in rows], enabled=False
        )
    if url.startswith("postgresql"):
        with session_scope(url) as db_session:
            db_session.execute(text("ANALYZE"))


def measure(url: str, rounds: int) -> dict[str, tuple[float, tuple[int, int]]]:
    times: dict[str, list[float]] = {"count rows (now)": [], "count the entries (baseline)": []}
    answers: dict[str, tuple[int, int]] = {}
    enabled = func.sum(case((BankEntry.enabled.is_(True), 1), else_=0))
    for _ in range(rounds):
        with session_scope(url) as db_session:
            bank = service.get_bank(db_session=db_session, name="big")
            started = time.perf_counter()
            answers["count rows (now)"] = service.entry_counts(db_session=db_session, bank=bank)
            times["count rows (now)"].append(time.perf_counter() - started)
            started = time.perf_counter()
            on, total = db_session.execute(
                select(enabled, func.count()).where(BankEntry.bank_id == bank.id)
            ).one()
            answers["count the entries (baseline)"] = (int(on), int(total))
            times["count the entries (baseline)"].append(time.perf_counter() - started)
    return {name: (statistics.median(t) * 1000, answers[name]) for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", help="an empty database; default a throwaway SQLite")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--append-results", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/banks.db"
        build(url, args.entries, args.seed)
        results = measure(url, args.rounds)
        dispose(url)
    assert len({answer for _, answer in results.values()}) == 1, results
    baseline, (enabled, total) = results["count the entries (baseline)"]
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    command = f".venv/bin/python bench/bank_counts.py --entries {args.entries}"
    if args.database_url:
        command += " --database-url URL"
    publish(
        f"A bank's entry counts ({args.entries:,} entries, {database})",
        command,
        f"median of {args.rounds} rounds; both methods gave the same counts ({enabled:,} "
        f"enabled of {total:,}); {args.entries // BATCH + 1} count rows, not folded",
        [
            "| Method | ms | vs baseline |",
            "|---|---:|---:|",
            *(f"| {name} | {ms:.2f} | {ms / baseline:.4f}x |" for name, (ms, _) in results.items()),
        ],
        append=args.append_results,
    )


if __name__ == "__main__":
    main()
