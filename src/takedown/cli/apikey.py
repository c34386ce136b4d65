"""`takedown apikey create|list|revoke`: keys for platforms and automation."""

from __future__ import annotations

import json
from datetime import datetime

import typer
from rich.console import Console
from rich.markup import escape

from takedown.audit.service import record
from takedown.auth.models import ApiKey
from takedown.auth.service import create_api_key, list_api_keys, revoke_api_key
from takedown.cli.refusals import refused
from takedown.errors import TakedownError
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
        "banks, cases, scim (staff provisioning by the identity provider), admin (repeatable).",
    ),
    as_json: bool = typer.Option(False, "--json", help='Print {"key": ...} only.'),
) -> None:
    """Create an API key. The key is printed once; only its hash is stored."""
    settings = get_settings()
    try:
        with session_scope(settings.resolved_database_url) as db_session:
            row, key = create_api_key(db_session=db_session, name=name, scopes=scope)
            record(
                db_session=db_session,
                actor="cli",
                action="api_key.created",
                subject=row.id,
                details={"name": row.name, "scopes": row.scopes},
            )
    except ValueError as exc:
        console.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(json.dumps({"key": key, "id": row.id, "scopes": row.scopes}))
    else:
        console.print(f"key [bold]{row.id}[/bold] ({', '.join(row.scopes)}); store it now:")
        typer.echo(key)


@app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="One JSON object a line.")) -> None:
    """Every key and staff token: id, name, the key's first characters, scopes, when created
    and revoked. Never the key itself (only its hash is stored)."""
    from rich.table import Table

    with session_scope(get_settings().resolved_database_url) as db_session:
        keys = list_api_keys(db_session=db_session)
        if as_json:
            for row in keys:
                typer.echo(json.dumps(key_json(row)))
            return
        table = Table("id", "name", "prefix", "scopes", "created", "revoked")
        table.columns[0].no_wrap = True  # whole, to copy into `apikey revoke`
        for row in keys:
            table.add_row(
                row.id,
                escape(row.name),
                row.key_prefix,
                ", ".join(row.scopes),
                row.created_at.isoformat(),
                row.revoked_at.isoformat() if row.revoked_at else "",
            )
    Console().print(table)


@app.command()
def revoke(key_id: str = typer.Argument(..., help="The key's id (takedown apikey list).")) -> None:
    """Revoke a key for good: every server refuses it within 2 seconds."""
    try:
        with session_scope(get_settings().resolved_database_url) as db_session:
            revoke_api_key(db_session=db_session, key_id=key_id, actor="cli")
    except TakedownError as exc:
        raise refused(exc) from exc
    console.print(f"key [bold]{escape(key_id)}[/bold] revoked")


def key_json(row: ApiKey) -> dict[str, object]:
    def when(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    return {
        "id": row.id,
        "name": row.name,
        "prefix": row.key_prefix,
        "scopes": row.scopes,
        "user_id": row.user_id,
        "created_at": when(row.created_at),
        "revoked_at": when(row.revoked_at),
    }
