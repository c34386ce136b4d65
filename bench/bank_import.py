"""Import N random PDQ hashes into a fresh bank through `takedown bank import`'s code path.

    .venv/bin/python bench/bank_import.py --count 1000000 [--database-url postgresql://...]

Measures the whole import (parse, validate, INSERT ... ON CONFLICT DO NOTHING, IndexChange rows,
commit) and then a re-import of the same file (idempotency: everything skipped).
"""

from __future__ import annotations

import argparse
import os
import secrets
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from takedown.banks import formats, service
from takedown.settings import normalise_database_url
from takedown.store.db import dispose, session_scope
from takedown.store.migrate import upgrade


def write_hashes(path: Path, count: int) -> None:
    with path.open("w") as handle:
        handle.write("signal_type,signal_str,collab,category,tags\n")
        for _ in range(count):
            handle.write(f"pdq,{secrets.token_hex(32)},bench,,\n")


def _server_cpu(db_session) -> float:  # type: ignore[no-untyped-def]
    """CPU seconds of this session's PostgreSQL backend (same machine), 0 for SQLite."""
    if db_session.get_bind().dialect.name != "postgresql":
        return 0.0
    pid = db_session.scalar(text("SELECT pg_backend_pid()"))
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_import(url: str, path: Path, bank_name: str) -> str:
    """Import the file; a line with wall time and CPU time (this process + database backend)."""
    started, cpu = time.perf_counter(), time.process_time()
    with session_scope(url) as db_session, path.open(newline="") as stream:
        server_cpu = _server_cpu(db_session)
        bank = service.get_bank(db_session=db_session, name=bank_name)
        report = formats.import_lines(
            db_session=db_session, bank=bank, lines=stream, fmt="csv", added_by="bench"
        )
        server_cpu = _server_cpu(db_session) - server_cpu
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return (
        f"{wall:.1f} s wall, CPU {cpu:.1f} s in Python"
        + (f" + {server_cpu:.1f} s in the PostgreSQL backend" if server_cpu else "")
        + f" (added={report.added} skipped={report.skipped} bad={report.bad_count})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="", help="PostgreSQL admin URL; default SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "hashes.csv"
        write_hashes(csv_path, args.count)
        drop = None
        if args.database_url:
            admin = normalise_database_url(args.database_url)
            name = f"takedown_bench_{uuid.uuid4().hex[:8]}"
            engine = create_engine(admin, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = make_url(admin).set(database=name).render_as_string(hide_password=False)

            def drop() -> None:
                dispose(url)
                with engine.connect() as conn:
                    conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        else:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        try:
            upgrade(url)
            with session_scope(url) as db_session:
                service.create_bank(
                    db_session=db_session, name="bench", category="other", action="review"
                )
            backend = make_url(url).get_backend_name()
            first = run_import(url, csv_path, "bench")
            print(f"{backend}, {args.count:,} PDQ hashes, import: {first}")
            print(f"{backend}, same file again (idempotent): {run_import(url, csv_path, 'bench')}")
        finally:
            if drop:
                drop()
            else:
                dispose(url)
    print(f"load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
