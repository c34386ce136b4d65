"""`takedown reporter ...`: staff tools for reporters (DSA Art 23)."""

from __future__ import annotations

import getpass

import typer
from rich.console import Console

from takedown.reports.service import flag_reporter
from takedown.settings import get_settings
from takedown.store.db import session_scope

app = typer.Typer(help="Reporters: flag manifestly unfounded reporting (DSA Art 23).")
console = Console()


@app.command()
def flag(
    email: str = typer.Option(..., "--email", help="The reporter's email address"),
    reason: str = typer.Option("", "--reason", help="Why (kept with the flag, audited)"),
    clear: bool = typer.Option(False, "--clear", help="Remove the flag instead"),
) -> None:
    """Rank this reporter's reports lower (they are still stored and reviewed)."""
    actor = f"cli:{getpass.getuser()}"
    with session_scope(get_settings().resolved_database_url) as db_session:
        row = flag_reporter(
            db_session=db_session, email=email, actor=actor, reason=reason, clear=clear
        )
        flagged = row.cleared_at is None
    console.print(f"{email.lower()}: {'flagged' if flagged else 'flag cleared'}")
