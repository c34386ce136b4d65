"""`takedown db upgrade`: apply migrations."""

from __future__ import annotations

import typer
from rich.console import Console

from takedown.settings import get_settings
from takedown.store.migrate import upgrade as apply_migrations

app = typer.Typer(help="Database schema.", no_args_is_help=True)
console = Console(stderr=True)


@app.command()
def upgrade() -> None:
    """Apply every pending migration to TAKEDOWN_DATABASE_URL."""
    settings = get_settings()
    apply_migrations(settings.resolved_database_url)
    console.print(f"[green]database is up to date[/green] ({settings.resolved_database_url})")
