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

import argparse
import statistics
import tempfile

from history_ab import databases, migrate_and_fill, p90, run_child, trees
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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rev", required=True, help="the baseline revision")
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--postgresql", help="a PostgreSQL server's URL (default: SQLite)")
    parser.add_argument("--append-results", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder, trees(args.rev, folder) as sources:
        times = {(tree, part): [] for tree in sources for part in MEASURED}
        with databases(list(sources), folder, args.postgresql) as urls:
            data_dirs = {name: f"{folder}/data-{n}" for n, name in enumerate(sources)}
            for name, source in sources.items():
                migrate_and_fill(source, urls[name], data_dirs[name], args.cases)
            for _ in range(args.pairs):
                for name, source in sources.items():
                    found = run_child(source, urls[name], data_dirs[name], CHILD, str(args.rounds))
                    for part in MEASURED:
                        times[name, part] += found[part]

    database = "PostgreSQL" if args.postgresql else "SQLite"
    median = {key: statistics.median(values) * 1000 for key, values in times.items()}
    command = (
        f".venv/bin/python bench/lead_pages.py --rev {args.rev} --cases {args.cases} "
        f"--rounds {args.rounds} --pairs {args.pairs}"
        + (" --postgresql URL" if args.postgresql else "")
    )
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
