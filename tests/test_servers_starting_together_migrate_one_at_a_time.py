"""Servers started together on a new or older database (a rollout to several hosts, each
`takedown serve` or `takedown db upgrade`) migrate it one at a time: the others wait, then find it
up to date. Before, two concurrent migrations on PostgreSQL both created the same tables and one
process died with a duplicate-key error (docs/operations.md, Upgrades)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PG_URL, _pg_execute, _pg_url_for

pytestmark = pytest.mark.skipif(not PG_URL, reason="PostgreSQL only (TAKEDOWN_TEST_DATABASE_URL)")

PROCESSES = 4


def test_concurrent_upgrades_of_a_new_database_all_succeed(tmp_path: Path):
    name = f"takedown_race_{uuid.uuid4().hex[:10]}"
    _pg_execute(f'CREATE DATABASE "{name}"')
    try:
        url = _pg_url_for(name)
        started = [
            subprocess.Popen(
                [sys.executable, "-m", "takedown.cli.main", "db", "upgrade"],
                env={
                    **os.environ,
                    "TAKEDOWN_DATABASE_URL": url,
                    "TAKEDOWN_DATA_DIR": str(tmp_path / f"host{n}"),
                    "TAKEDOWN_TWO_FACTOR_KEY": "",
                },
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for n in range(PROCESSES)
        ]
        outputs = [process.communicate(timeout=300)[0] for process in started]
        assert [process.returncode for process in started] == [0] * PROCESSES, outputs
        engine = create_engine(url)
        with engine.connect() as conn:
            heads = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        engine.dispose()
        assert len(heads) == 1
    finally:
        _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
