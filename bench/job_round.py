"""One round of every periodic job on a database with a long history, A/B against a revision.

    .venv/bin/python bench/job_round.py --rev d1160e4 [--cases 100000] [--rounds 5] [--pairs 3]
        [--postgresql postgresql://postgres@127.0.0.1:5432/test] [--append-results]

The jobs run every few seconds for as long as a server runs; the history they run beside only
grows. Each tree (the working tree, and `--rev`) gets a database migrated by its own code and
filled with `--cases` closed cases of history (bench/history_ab.py). No work is due, so a round
is what the jobs cost a server that has nothing to do. A child process per tree and pair creates
the app as `serve` does (background jobs off), runs one round to warm up, then times `--rounds`
rounds, each every job once; the trees run in turn, `--pairs` times, because the machine's load
drifts.
"""

from __future__ import annotations

import statistics

from history_ab import arguments, command_line, p90, run_pairs
from results_file import publish

CHILD = """
import json, sys, time
from fastapi.testclient import TestClient
from takedown.api.app import create_app
from takedown.jobs.runner import JobRunner, all_jobs
from takedown.settings import Settings

url, data_dir, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
settings = Settings(data_dir=data_dir, database_url=url, run_background_jobs=False)
app = create_app(settings)
times = []
with TestClient(app):
    for _ in range(rounds + 1):
        runner = JobRunner(settings, all_jobs(app))
        started = time.perf_counter()
        runner.run_due()
        times.append(time.perf_counter() - started)
print(json.dumps(times[1:]))
"""


def main() -> None:
    args = arguments(__doc__.split("\n\n")[0], default_cases=100_000)
    answers = run_pairs(args, CHILD)
    times = {name: [t for rounds in runs for t in rounds] for name, runs in answers.items()}

    database = "PostgreSQL" if args.postgresql else "SQLite"
    median = {name: statistics.median(values) * 1000 for name, values in times.items()}
    command = command_line("job_round.py", args)
    publish(
        f"One round of every periodic job, nothing due ({args.cases:,} closed cases of history, "
        f"{database})",
        command,
        "each tree's database migrated by its own code and filled with the same history; "
        f"{args.pairs} x {args.rounds} rounds a tree, the trees in turn",
        [
            "| Code | Median round | p90 round | vs baseline |",
            "|---|---:|---:|---:|",
            *(
                f"| {'working tree' if name == 'working tree' else f'{name} (baseline)'} "
                f"| {median[name]:.1f} ms "
                f"| {p90(values) * 1000:.1f} ms "
                f"| {median[name] / median[args.rev]:.3f}x |"
                for name, values in times.items()
            ),
        ],
        append=args.append_results,
    )


if __name__ == "__main__":
    main()
