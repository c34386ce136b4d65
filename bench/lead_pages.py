"""The overview and a week's transparency figures on a database with a long history, A/B against
a revision.

    .venv/bin/python bench/lead_pages.py --rev 64e0a50~1 [--cases 20000] [--rounds 5] [--pairs 3]
        [--postgresql postgresql://postgres@127.0.0.1:5432/test] [--append-results]

A lead opens the overview first, and dashboards poll `GET /v1/overview`; the transparency report
is written for a period. Both must cost what the period holds, not the history before it. Each
tree (the working tree, and `--rev`) gets a database migrated by its own code and filled with
`--cases` closed cases of history (bench/history_ab.py). A child process per tree and pair times
`--rounds` calls of each, after one to warm up: the overview as `GET /v1/overview` computes it,
and the transparency figures of the last seven days as `takedown report transparency` gathers
them; the trees run in turn, `--pairs` times.
"""

from __future__ import annotations

import statistics

from history_ab import arguments, command_line, p90, run_pairs
from results_file import publish

CHILD = """
import json, sys, time
from datetime import timedelta
from takedown import clock
from takedown.operations.overview import overview
from takedown.store.db import session_scope
from takedown.transparency.report import gather

url, data_dir, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
times = {"overview": [], "transparency": []}
for _ in range(rounds + 1):
    with session_scope(url) as db_session:
        started = time.perf_counter()
        overview(db_session)
        times["overview"].append(time.perf_counter() - started)
    with session_scope(url) as db_session:
        now = clock.now()
        started = time.perf_counter()
        gather(db_session=db_session, start=now - timedelta(days=7), end=now)
        times["transparency"].append(time.perf_counter() - started)
print(json.dumps({name: values[1:] for name, values in times.items()}))
"""
MEASURED = {"overview": "Overview", "transparency": "Transparency figures, last 7 days"}


def main() -> None:
    args = arguments(__doc__.split("\n\n")[0], default_cases=20_000)
    answers = run_pairs(args, CHILD)
    times = {
        (tree, part): [t for found in runs for t in found[part]]
        for tree, runs in answers.items()
        for part in MEASURED
    }

    database = "PostgreSQL" if args.postgresql else "SQLite"
    median = {key: statistics.median(values) * 1000 for key, values in times.items()}
    command = command_line("lead_pages.py", args)
    publish(
        f"The overview and a week's transparency figures ({args.cases:,} closed cases of "
        f"history, {database})",
        command,
        "each tree's database migrated by its own code and filled with the same history; "
        f"{args.pairs} x {args.rounds} calls of each a tree, the trees in turn",
        [
            "| Measured | Code | Median | p90 | vs baseline |",
            "|---|---|---:|---:|---:|",
            *(
                f"| {MEASURED[part]} "
                f"| {'working tree' if tree == 'working tree' else f'{tree} (baseline)'} "
                f"| {median[tree, part]:.1f} ms "
                f"| {p90(values) * 1000:.1f} ms "
                f"| {median[tree, part] / median[args.rev, part]:.3g}x |"
                for (tree, part), values in times.items()
            ),
        ],
        append=args.append_results,
    )


if __name__ == "__main__":
    main()
