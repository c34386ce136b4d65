"""`takedown audit verify`: prove the audit log is whole."""

from __future__ import annotations

import typer
from rich.console import Console

from takedown.audit.service import verify as verify_chain
from takedown.settings import get_settings
from takedown.store.db import session_scope

app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
console = Console()


@app.command()
def verify() -> None:
    """Re-walk the hash chain; exit 1 and list every changed, inserted or deleted entry."""
    with session_scope(get_settings().resolved_database_url) as db_session:
        problems = verify_chain(db_session=db_session)
    if not problems:
        console.print("[green]audit log intact[/green]")
        return
    for item in problems:
        console.print(f"[red]entry {item.seq}[/red]: {item.problem}")
    raise typer.Exit(1)
