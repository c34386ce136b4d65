"""Engines and sessions. One engine per database URL per process."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, Engine, any_, bindparam, create_engine, event, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

_engines: dict[str, Engine] = {}
_factories: dict[str, sessionmaker[Session]] = {}
_lock = threading.Lock()


def engine_for(url: str) -> Engine:
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _create_engine(url)
            _engines[url] = engine
            _factories[url] = sessionmaker(bind=engine, expire_on_commit=False)
        return engine


# A PostgreSQL host that takes the connection and never answers (a firewall dropping packets, a
# hung server) would hold a request, /readyz or a CLI command for minutes: give up after this.
CONNECT_TIMEOUT_SECONDS = 10


def _create_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            json_serializer=_json_without_nul,
        )
        event.listen(engine, "connect", _configure_sqlite)
    else:
        # No JIT: its cost model compiles the review queue's per-case subqueries (measured at
        # 20,000 open cases: 1.2 s of compiling for 0.16 s of work); no query here runs long
        # enough to gain.
        engine = create_engine(
            url,
            pool_pre_ping=True,
            pool_size=10,
            max_overflow=20,
            connect_args={"options": "-c jit=off", "connect_timeout": CONNECT_TIMEOUT_SECONDS},
            json_serializer=_json_without_nul,
        )
    event.listen(engine, "before_cursor_execute", _parameters_without_nul, retval=True)
    return engine


# PostgreSQL's text and JSON cannot hold NUL (U+0000): a report, scan or note with one in any
# field failed with a 500 there. Every backend stores U+FFFD in its place instead, so a report is
# kept the same way on SQLite and PostgreSQL, and nothing accepted is lost for a character no
# person typed.
NUL, REPLACEMENT = "\x00", "\ufffd"


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_holds_nul(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_holds_nul(item) for item in value)
    return False


def without_nul(value: Any) -> Any:
    """`value` with NUL replaced in every string in it; `value` itself when it holds none. What
    the database will keep: whatever hashes text before it is stored (the audit chain, a note's
    digest) hashes this."""
    if not _holds_nul(value):
        return value
    if isinstance(value, str):
        return value.replace(NUL, REPLACEMENT)
    if isinstance(value, dict):
        return {key: without_nul(item) for key, item in value.items()}
    return type(value)(without_nul(item) for item in value)


def _json_without_nul(document: Any) -> str:
    return json.dumps(without_nul(document))


def _parameters_without_nul(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
    return statement, without_nul(parameters)


BUSY_TIMEOUT_MS = 30_000  # a writer waits this long for another to finish
ERASE_WAIT_MS = 2_000  # an erasure's request waits no longer than this to empty the log


def _configure_sqlite(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL + synchronous=FULL: a committed report survives a crash or power cut.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # Erased text (a redacted note, a reporter's contact details) is overwritten in the pages
    # written anyway, not left in the file's free space; erase_from_files does the rest.
    cursor.execute("PRAGMA secure_delete=FAST")
    cursor.close()


def session_factory(url: str) -> sessionmaker[Session]:
    engine_for(url)
    return _factories[url]


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A unit of work: commits on success, rolls back on error."""
    session = session_factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def erase_from_files(url: str) -> None:
    """After a commit that erased personal data: on SQLite, copy the write-ahead log into the
    database and empty it, so the pages as they were before the erasure leave the files. It waits
    ERASE_WAIT_MS at most for readers still using the log (a long report, a backup); after that
    the old pages stay in the log until it is written over or a later erasure empties it, and the
    erasure itself stands. PostgreSQL keeps an updated row's old version until VACUUM reclaims it
    (autovacuum does, docs/operations.md)."""
    if not url.startswith("sqlite"):
        return
    with engine_for(url).connect() as connection:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={ERASE_WAIT_MS}")
        try:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def lock_on_sqlite(db_session: Session) -> None:
    """Hold the whole database for writing until this transaction ends, on SQLite, where a row
    lock cannot: it has no SELECT ... FOR UPDATE, and Python's sqlite3 begins a transaction only
    at the first write, so a savepoint taken before one commits when it is released. A no-op
    write takes SQLite's single write lock now. PostgreSQL: nothing (callers lock their rows)."""
    if db_session.get_bind().dialect.name == "sqlite":
        db_session.execute(text("UPDATE cases SET id = id WHERE 0 = 1"))


SQLITE_PARAMETERS_PER_STATEMENT = 2000  # well under SQLite's bound-parameter limit


def one_of(
    db_session: Session, column: InstrumentedAttribute[Any], values: Sequence[Any]
) -> Iterator[ColumnElement[bool]]:
    """Conditions that `column` is one of `values`, for one statement each. PostgreSQL: one
    array parameter (thousands of bound parameters took longer to send than the query to run);
    SQLite: batches under its bound-parameter limit."""
    if db_session.get_bind().dialect.name == "postgresql":
        yield column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
        return
    for start in range(0, len(values), SQLITE_PARAMETERS_PER_STATEMENT):
        yield column.in_(values[start : start + SQLITE_PARAMETERS_PER_STATEMENT])


def dispose(url: str) -> None:
    """Close and forget the engine for `url` (tests that drop databases call this)."""
    with _lock:
        engine = _engines.pop(url, None)
        _factories.pop(url, None)
    if engine is not None:
        engine.dispose()
