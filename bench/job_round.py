"""One round of every periodic job on a database with a long history, A/B against a revision.

    .venv/bin/python bench/job_round.py --rev d1160e4 [--cases 100000] [--rounds 5] [--pairs 3]
        [--postgresql postgresql://postgres@127.0.0.1:5432/test] [--append-results]

The jobs run every few seconds for as long as a server runs; the history they run beside only
grows. Each tree (the working tree, and `--rev` checked out into a temporary git worktree) gets a
database migrated by its own code (SQLite files, or throwaway databases on the `--postgresql`
server), filled with the same history: `--cases` cases decided and closed long ago, each with a
report, a media row (cleaned up), an account, three delivered webhook events and a finished
copy search, and a CyberTipline filing for every fourth. No work is due, so a round is what the
jobs cost a server that has nothing to do. A child process per tree and pair creates the app as
`serve` does (background jobs off), runs one round to warm up, then times `--rounds` rounds, each
every job once; the trees run in turn, `--pairs` times, because the machine's load drifts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, text

from results_file import publish

ROOT = Path(__file__).resolve().parent.parent
BATCH = 10_000

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


def _rows(cases: int) -> Iterator[tuple[str, str, list[dict[str, object]]]]:
    """(table, insert statement, a batch of rows) for the history, in batches."""
    long_ago = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=200)
    for first in range(0, cases, BATCH):
        ids = range(first, min(first + BATCH, cases))
        yield (
            "cases",
            "INSERT INTO cases (id, status, priority, category, is_child_safety, "
            "deadline_is_legal, deadline_started_at, deadline_at, escalation_level, bank_match, "
            "ranked_lower, report_count, media_fetch_attempts, created_at, updated_at, "
            "decided_at, closed_at, outcome, account_id) VALUES (:id, 'action_taken', 'P1', "
            "'terms_violation', false, false, :at, :at, 0, false, false, 1, 0, :at, :at, :at, "
            ":at, 'violating', :account)",
            [{"id": f"case_h{n:08d}", "at": long_ago, "account": f"acct-h{n}"} for n in ids],
        )
        yield (
            "reports",
            "INSERT INTO reports (id, case_id, category, subject_is_minor, good_faith_statement, "
            "valid_take_it_down_request, tracking_token, channel, ranked_lower, has_media, "
            "received_at, trusted_flagger) VALUES (:id, :case, 'terms_violation', 'no', true, "
            "false, :token, 'api', false, true, :at, false)",
            [
                {"id": f"rep_h{n:08d}", "case": f"case_h{n:08d}", "token": f"t{n}", "at": long_ago}
                for n in ids
            ],
        )
        yield (
            "case_media",
            "INSERT INTO case_media (case_id, source, storage_path, sha256, media_type, "
            "size_bytes, signals, matches, created_at) VALUES (:case, 'upload', :path, :sha, "
            "'image', 1, CAST('[]' AS JSON), CAST('[]' AS JSON), :at)",
            [
                {"case": f"case_h{n:08d}", "path": f"h/{n:x}", "sha": f"{n:064x}", "at": long_ago}
                for n in ids
            ],
        )
        yield (
            "case_media_cleanups",
            "INSERT INTO case_media_cleanups (case_id, cleaned_at, files_deleted) "
            "VALUES (:case, :at, 1)",
            [{"case": f"case_h{n:08d}", "at": long_ago} for n in ids],
        )
        yield (
            "accounts",
            "INSERT INTO accounts (id, status, strike_count, flagged_for_review, created_at, "
            "updated_at) VALUES (:id, 'active', 1, false, :at, :at)",
            [{"id": f"acct-h{n}", "at": long_ago} for n in ids],
        )
        yield (
            "outbox_events",
            "INSERT INTO outbox_events (id, event_type, case_id, subject, body, status, "
            "attempts, created_at, next_attempt_at, delivered_at) VALUES (:id, 'content.removed', "
            ":case, :case, '{}', 'delivered', 1, :at, :at, :at)",
            [
                {"id": f"evt_h{n:08d}_{k}", "case": f"case_h{n:08d}", "at": long_ago}
                for n in ids
                for k in range(3)
            ],
        )
        yield (
            "copy_searches",
            "INSERT INTO copy_searches (case_id, decision_id, status, signals, pdq_threshold, "
            "policy, searched_up_to, last_item_id, target_set_at, target_final, found, "
            "created_at, lease_until, finished_at) VALUES (:case, :decision, 'done', "
            "CAST('[]' AS JSON), 31, 'terms', 0, 0, :at, true, 0, :at, :at, :at)",
            [{"case": f"case_h{n:08d}", "decision": f"dec_h{n}", "at": long_ago} for n in ids],
        )
        yield (
            "ncmec_filings",
            "INSERT INTO ncmec_filings (id, case_id, environment, state, requested_by, attempts, "
            "retracted_report_ids, history, created_at, updated_at, finished_at) VALUES (:id, "
            ":case, 'test', 'finished', 'system', 1, CAST('[]' AS JSON), CAST('[]' AS JSON), "
            ":at, :at, :at)",
            [
                {"id": f"ncm_h{n:08d}", "case": f"case_h{n:08d}", "at": long_ago}
                for n in ids
                if n % 4 == 0
            ],
        )


def fill(url: str, cases: int) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        for _table, statement, batch in _rows(cases):
            if batch:
                connection.execute(text(statement), batch)
    if url.startswith("postgresql"):
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
    engine.dispose()


@contextmanager
def databases(names: list[str], folder: str, server: str | None) -> Iterator[dict[str, str]]:
    """A database URL per tree: SQLite files, or throwaway databases on the server."""
    if server is None:
        yield {name: f"sqlite:///{folder}/jobs-{n}.db" for n, name in enumerate(names)}
        return
    created = [f"takedown_bench_jobs_{n}" for n in range(len(names))]
    with psycopg.connect(server, autocommit=True) as admin:
        for database in created:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{database}"')
    base = server.rsplit("/", 1)[0]
    try:
        yield {name: f"{base}/{database}" for name, database in zip(names, created, strict=True)}
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            for database in created:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _env(source: Path, url: str, data_dir: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(source),
        "TAKEDOWN_DATABASE_URL": url,
        "TAKEDOWN_DATA_DIR": data_dir,
    }


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rev", required=True, help="the baseline revision")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--postgresql", help="a PostgreSQL server's URL (default: SQLite)")
    parser.add_argument("--append-results", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        baseline = Path(folder) / "baseline"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(baseline), args.rev],
            check=True,
            capture_output=True,
        )
        trees = {"working tree": ROOT / "src", args.rev: baseline / "src"}
        times: dict[str, list[float]] = {name: [] for name in trees}
        try:
            with databases(list(trees), folder, args.postgresql) as urls:
                data_dirs = {name: f"{folder}/data-{n}" for n, name in enumerate(trees)}
                for name, source in trees.items():
                    subprocess.run(
                        [sys.executable, "-m", "takedown.cli.main", "db", "upgrade"],
                        env=_env(source, urls[name], data_dirs[name]),
                        check=True,
                        capture_output=True,
                    )
                    fill(urls[name], args.cases)
                for _ in range(args.pairs):
                    for name, source in trees.items():
                        data_dir = data_dirs[name]
                        answer = subprocess.run(
                            [sys.executable, "-c", CHILD, urls[name], data_dir, str(args.rounds)],
                            env=_env(source, urls[name], data_dir),
                            check=True,
                            capture_output=True,
                            text=True,
                        )
                        times[name] += json.loads(answer.stdout.strip().splitlines()[-1])
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(baseline)],
                check=False,
                capture_output=True,
            )

    database = "PostgreSQL" if args.postgresql else "SQLite"
    median = {name: statistics.median(values) * 1000 for name, values in times.items()}
    command = (
        f".venv/bin/python bench/job_round.py --rev {args.rev} --cases {args.cases} "
        f"--rounds {args.rounds} --pairs {args.pairs}"
        + (" --postgresql URL" if args.postgresql else "")
    )
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
