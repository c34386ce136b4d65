"""Whether erased personal data is gone from the database's files, not only from its rows."""

from __future__ import annotations

from pathlib import Path

from takedown.settings import Settings


def database_files_hold(settings: Settings, text: str) -> bool:
    """Whether the SQLite database's files (the database and its write-ahead log) hold `text`."""
    database = Path(settings.resolved_database_url.removeprefix("sqlite:///"))
    files = [database, database.with_name(database.name + "-wal")]
    return any(text.encode() in path.read_bytes() for path in files if path.exists())
