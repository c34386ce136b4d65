"""Rule: Takedown's PostgreSQL connections run without JIT compilation. PostgreSQL's cost model
compiled the review queue's per-case subqueries on every request: 1.4 s for a queue that takes
0.2 s to compute at 20,000 open cases (bench/review_queue.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from takedown.store.db import session_scope


def test_postgresql_connections_run_without_jit(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no JIT")
    with session_scope(database_url) as db_session:
        assert db_session.scalar(text("SHOW jit")) == "off"
