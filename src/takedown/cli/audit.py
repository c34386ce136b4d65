"""`takedown audit verify|show`: prove the audit log is whole; read it."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.markup import escape

from takedown.audit.service import AuditQuery, entry_json, find
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


@app.command()
def show(
    subject: str = typer.Option(None, help="A case id, user id, ... (exact)."),
    actor: str = typer.Option(None, help='Who acted: "user:<id>", "key:<id>", "cli", "system".'),
    action: str = typer.Option(None, help='An action or its prefix: "case.", "media.revealed".'),
    before: int = typer.Option(None, help="Only entries before this sequence number (paging)."),
    limit: int = typer.Option(50, min=1, max=10_000, help="At most this many, newest first."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object a line."),
) -> None:
    """Read the audit log, newest first (who did what to which case, user or bank, and when)."""
    query = AuditQuery(subject=subject, actor=actor, action=action, before=before, limit=limit)
    with session_scope(get_settings().resolved_database_url) as db_session:
        rows = [entry_json(entry) for entry in find(db_session=db_session, query=query)]
    for row in rows:
        if as_json:
            typer.echo(json.dumps(row))
        else:
            details = " ".join(f"{k}={v}" for k, v in row["details"].items())
            console.print(
                f"{row['seq']:>7} {row['at'][:19]} {escape(row['actor'])} "
                f"[bold]{escape(row['action'])}[/bold] {escape(row['subject'])} {escape(details)}",
                highlight=False,
            )
