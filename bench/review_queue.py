"""The review queue with the fresh-eyes rule against the same queue without it, in one run.

The work queues leave out a post reported again after the reviewer's own "no violation"
(review/service.py, `_after_no_violation_by`). Worst case: a reviewer who found no violation in
every earlier case about every open case's post, so the rule is evaluated for every open case and
none is listed. Also a reviewer with no decisions, the everyday case.

    .venv/bin/python bench/review_queue.py --cases 20000 [--database-url URL] [--append-results]

Builds a throwaway SQLite database, or fills the empty database at URL (migrations applied),
with N open cases, each about a post that has one earlier case decided "no violation" by the
first reviewer.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import false, insert, text

import takedown.review.service as review_service
from results_file import publish
from takedown import clock
from takedown.auth.models import User
from takedown.cases.models import Case
from takedown.review.models import Decision
from takedown.review.service import Queue, list_queue_page
from takedown.store.db import dispose, session_scope
from takedown.store.migrate import upgrade


def build(url: str, cases: int) -> None:
    upgrade(url)
    now = clock.now()
    users = [
        {"id": uid, "username": uid, "role": "reviewer", "password_hash": "x", "created_at": now}
        for uid in ("usr_decided_all", "usr_new")
    ]
    rows, decisions = [], []
    for i in range(cases):
        t = now - timedelta(minutes=i)
        post = {
            "priority": "P2",
            "category": "terms_violation",
            "deadline_at": t + timedelta(days=7),
            "deadline_started_at": t,
            "updated_at": t,
            "content_id": f"post-{i}",
            "content_url_key": f"{i:064d}",
        }
        rows.append({**post, "id": f"case_o{i:025d}", "status": "open", "created_at": t})
        rows.append(
            {
                **post,
                "id": f"case_c{i:025d}",
                "status": "no_action",
                "created_at": t - timedelta(days=1),
                "decided_at": t - timedelta(hours=20),
            }
        )
        decisions.append(
            {
                "id": f"dec_{i:026d}",
                "case_id": f"case_c{i:025d}",
                "reviewer_id": "usr_decided_all",
                "stage": "first",
                "outcome": "no_violation",
                "final": True,
                "decided_at": t - timedelta(hours=20),
            }
        )
    with session_scope(url) as db_session:
        db_session.execute(insert(User), users)
        for table, batch in ((Case, rows), (Decision, decisions)):
            for start in range(0, len(batch), 20000):
                db_session.execute(insert(table), batch[start : start + 20000])


def timed(url: str, user_id: str, rounds: int, jit: bool = False) -> tuple[float, int]:
    """Median seconds of the open queue (200 cases) and how many it listed; `jit`: with
    PostgreSQL's JIT compilation on, as it is by default (Takedown's connections turn it off)."""
    times, listed = [], 0
    for _ in range(rounds):
        with session_scope(url) as db_session:
            if jit:
                db_session.execute(text("SET jit = on"))
            user = db_session.get_one(User, user_id)
            started = time.perf_counter()
            listed = len(list_queue_page(db_session=db_session, user=user, queue=Queue.OPEN).cases)
            times.append(time.perf_counter() - started)
    return statistics.median(times), listed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", help="an empty database; default a throwaway SQLite")
    parser.add_argument("--append-results", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/queue.db"
        build(url, args.cases)
        with session_scope(url) as db_session:
            db_session.execute(text("ANALYZE"))  # as PostgreSQL's autovacuum does after a load
        rule = review_service._after_no_violation_by
        results: list[tuple[str, Any, Any]] = [
            (
                "fresh eyes on, reviewer who decided every earlier case",
                *timed(url, "usr_decided_all", args.rounds),
            ),
            ("fresh eyes on, reviewer with no decisions", *timed(url, "usr_new", args.rounds)),
        ]
        if url.startswith("postgresql"):
            results.append(
                (
                    "fresh eyes on, reviewer who decided every earlier case, JIT on",
                    *timed(url, "usr_decided_all", args.rounds, jit=True),
                )
            )
        review_service._after_no_violation_by = lambda user_id: false()  # type: ignore[assignment]
        try:
            results.append(
                ("baseline: the rule left out", *timed(url, "usr_decided_all", args.rounds))
            )
        finally:
            review_service._after_no_violation_by = rule  # type: ignore[assignment]
        dispose(url)
    baseline = results[-1][1]
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    command = f".venv/bin/python bench/review_queue.py --cases {args.cases} --rounds {args.rounds}"
    if args.database_url:
        command += " --database-url URL"
    publish(
        f"Review queue with the fresh-eyes rule ({args.cases:,} open cases, {database})",
        command,
        f"median of {args.rounds} rounds",
        [
            "| Open queue (first 200) | ms | vs baseline | cases listed |",
            "|---|---:|---:|---:|",
            *(
                f"| {name} | {seconds * 1000:.1f} | {seconds / baseline:.1f}x | {listed} |"
                for name, seconds, listed in results
            ),
        ],
        append=args.append_results,
    )


if __name__ == "__main__":
    main()
