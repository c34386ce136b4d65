"""How a refused command says why: one line on standard error, `error (<code>): <detail>`, with
the detail escaped for Rich (details quote values such as `list[str]` or `[1, 2]`, which Rich
would otherwise take for markup and drop)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

from takedown.errors import TakedownError

errors = Console(stderr=True)


def refused(exc: TakedownError, exit_code: int = 1) -> typer.Exit:
    """Print why `exc` refused the command; the Exit to raise."""
    errors.print(f"[red]error[/red] ({exc.code}): {escape(exc.detail)}")
    return typer.Exit(exit_code)


def shown_database_url(url: str) -> str:
    """The database URL as the CLI prints it: with the password masked (it goes to logs)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a database URL)"


def operator_mistake(exc: Exception) -> tuple[str, int] | None:
    """What to say, and the exit code, when a command fails on its configuration or on the
    database it was pointed at rather than on a bug: a setting that does not parse, a database
    URL that names no database Takedown drives, a database that does not answer. None: a bug,
    the traceback is the report."""
    from alembic.util import CommandError
    from pydantic import ValidationError
    from sqlalchemy.exc import ArgumentError, OperationalError

    from takedown.local_keys import KeyFileError
    from takedown.settings import get_settings

    if isinstance(exc, KeyFileError):
        return str(exc), 1
    if isinstance(exc, ValidationError):
        problems = "; ".join(
            f"TAKEDOWN_{'_'.join(str(part) for part in error['loc']).upper()}: {error['msg']}"
            for error in exc.errors()
        )
        return f"a setting is not valid: {problems}", 2
    url = shown_database_url(get_settings().resolved_database_url)
    if isinstance(exc, ArgumentError) or (
        # SQLAlchemy knows the dialect (mysql://...) but its driver is not installed
        isinstance(exc, ModuleNotFoundError) and not url.startswith(("sqlite", "postgresql"))
    ):
        return (
            f"TAKEDOWN_DATABASE_URL {url} is not a database Takedown can use "
            f"(postgresql://USER:PASSWORD@HOST:PORT/NAME, or sqlite:///PATH): {exc}",
            2,
        )
    if isinstance(exc, OperationalError):
        why = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        return f"cannot reach the database {url}: {why}", 1
    if isinstance(exc, CommandError) and "Can't locate revision" in str(exc):
        # a newer version migrated this database; this version cannot read its schema
        return (
            f"the database {url} is at a migration this version of Takedown does not have "
            f"({exc}): a newer version upgraded it. Run that version, or restore the backup "
            "taken before the upgrade (docs/operations.md, Upgrades)",
            1,
        )
    return None
