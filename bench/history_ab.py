"""A/B benchmarks on a long history: the working tree against a revision, each with a database
migrated by its own code and filled with the same closed cases (bench/job_round.py,
bench/lead_pages.py).

Each tree is the working tree's `src`, or `--rev` checked out into a temporary git worktree
(removed afterwards); each database a SQLite file, or a throwaway database on a PostgreSQL server
(analysed once filled, as a production database is). The history: `cases` cases decided and
closed long ago, each with a report, its final decision, the removed item (verified down), a media
row (cleaned up), an account, three delivered webhook events and a finished copy search; a
CyberTipline filing for every fourth and a decided appeal for every tenth.
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
from typing import Any

import psycopg
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
BATCH = 10_000
REVIEWER = "usr_bench_reviewer"


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
            "decisions",
            "INSERT INTO decisions (id, case_id, reviewer_id, stage, outcome, policy, reason, "
            "final, decided_at) VALUES (:id, :case, :reviewer, 'first', 'violating', 'terms', "
            "'', true, :at)",
            [
                {"id": f"dec_h{n}", "case": f"case_h{n:08d}", "reviewer": REVIEWER, "at": long_ago}
                for n in ids
            ],
        )
        yield (
            "case_copies",
            "INSERT INTO case_copies (case_id, content_id, match_kind, removed_at, "
            "removal_verified_at, still_up_checks) VALUES (:case, :content, 'reported', :at, "
            ":at, 0)",
            [{"case": f"case_h{n:08d}", "content": f"c-h{n}", "at": long_ago} for n in ids],
        )
        yield (
            "appeals",
            "INSERT INTO appeals (id, case_id, appellant, reason, status, outcome, created_at, "
            "decided_at) VALUES (:id, :case, 'uploader', 'long ago', 'decided', 'upheld', :at, "
            ":at)",
            [
                {"id": f"apl_h{n}", "case": f"case_h{n:08d}", "at": long_ago}
                for n in ids
                if n % 10 == 0
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
        connection.execute(
            text(
                "INSERT INTO users (id, username, password_hash, role, disabled, created_at) "
                "VALUES (:id, 'bench-reviewer', '-', 'reviewer', false, :at)"
            ),
            {"id": REVIEWER, "at": datetime.now(UTC).replace(tzinfo=None)},
        )
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


def env(source: Path, url: str, data_dir: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(source),
        "TAKEDOWN_DATABASE_URL": url,
        "TAKEDOWN_DATA_DIR": data_dir,
    }


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1] if len(values) > 1 else values[0]


@contextmanager
def trees(rev: str, folder: str) -> Iterator[dict[str, Path]]:
    """{"working tree": its src, rev: the revision's src in a temporary worktree}."""
    baseline = Path(folder) / "baseline"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(baseline), rev],
        check=True,
        capture_output=True,
    )
    try:
        yield {"working tree": ROOT / "src", rev: baseline / "src"}
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(baseline)],
            check=False,
            capture_output=True,
        )


def migrate_and_fill(source: Path, url: str, data_dir: str, cases: int) -> None:
    subprocess.run(
        [sys.executable, "-m", "takedown.cli.main", "db", "upgrade"],
        env=env(source, url, data_dir),
        check=True,
        capture_output=True,
    )
    fill(url, cases)


def run_child(source: Path, url: str, data_dir: str, code: str, *args: str) -> Any:
    """Run `code` in a child process on `source`'s takedown; its last line of output, as JSON."""
    answer = subprocess.run(
        [sys.executable, "-c", code, url, data_dir, *args],
        env=env(source, url, data_dir),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(answer.stdout.strip().splitlines()[-1])


def arguments(description: str, default_cases: int) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rev", required=True, help="the baseline revision")
    parser.add_argument("--cases", type=int, default=default_cases)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--postgresql", help="a PostgreSQL server's URL (default: SQLite)")
    parser.add_argument("--append-results", action="store_true")
    return parser.parse_args()


def run_pairs(args: argparse.Namespace, child: str) -> dict[str, list[Any]]:
    """Each tree's answers from `child` (given the database URL, data folder and `--rounds`),
    `--pairs` of them, the trees in turn because the machine's load drifts."""
    with tempfile.TemporaryDirectory() as folder, trees(args.rev, folder) as sources:
        answers: dict[str, list[Any]] = {name: [] for name in sources}
        with databases(list(sources), folder, args.postgresql) as urls:
            data_dirs = {name: f"{folder}/data-{n}" for n, name in enumerate(sources)}
            for name, source in sources.items():
                migrate_and_fill(source, urls[name], data_dirs[name], args.cases)
            for _ in range(args.pairs):
                for name, source in sources.items():
                    answer = run_child(source, urls[name], data_dirs[name], child, str(args.rounds))
                    answers[name].append(answer)
    return answers


def command_line(script: str, args: argparse.Namespace) -> str:
    return (
        f".venv/bin/python bench/{script} --rev {args.rev} --cases {args.cases} "
        f"--rounds {args.rounds} --pairs {args.pairs}"
        + (" --postgresql URL" if args.postgresql else "")
    )
