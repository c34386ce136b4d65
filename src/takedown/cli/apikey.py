"""`takedown apikey create`: keys for platforms and automation."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.markup import escape

from takedown.auth.service import create_api_key
from takedown.settings import get_settings
from takedown.store.db import session_scope

app = typer.Typer(help="API keys for platforms and automation.", no_args_is_help=True)
console = Console(stderr=True)


@app.command()
def create(
    name: str = typer.Option(..., help="Who or what the key is for."),
    scope: list[str] = typer.Option(
        ...,
        help="scan, report, trusted_flagger (with report: a designated trusted flagger), "
        "banks, cases, admin (repeatable).",
    ),
    as_json: bool = typer.Option(False, "--json", help='Print {"key": ...} only.'),
) -> None:
    """Create an API key. The key is printed once; only its hash is stored."""
    settings = get_settings()
    try:
        with session_scope(settings.resolved_database_url) as db_session:
            row, key = create_api_key(db_session=db_session, name=name, scopes=scope)
    except ValueError as exc:
        console.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(json.dumps({"key": key, "id": row.id, "scopes": row.scopes}))
    else:
        console.print(f"key [bold]{row.id}[/bold] ({', '.join(row.scopes)}); store it now:")
        typer.echo(key)
