"""`takedown db upgrade`: apply migrations."""

from __future__ import annotations

import typer
from rich.console import Console

from takedown.auth.sealed_secrets import TwoFactorKeyError, check_and_seal
from takedown.cli.refusals import shown_database_url
from takedown.settings import Settings, get_settings
from takedown.store.migrate import upgrade as apply_migrations

app = typer.Typer(help="Database schema.", no_args_is_help=True)
console = Console(stderr=True)


@app.command()
def upgrade() -> None:
    """Apply every pending migration to TAKEDOWN_DATABASE_URL."""
    settings = get_settings()
    prepare_database(settings)
    url = shown_database_url(settings.resolved_database_url)
    console.print(f"[green]database is up to date[/green] ({url})")


def prepare_database(settings: Settings) -> None:
    """Apply the migrations, then seal two-factor secrets stored in clear by earlier versions
    and check this server's keys open the others (exits with the reason if not)."""
    apply_migrations(settings.resolved_database_url)
    try:
        sealed = check_and_seal(settings)
    except TwoFactorKeyError as exc:
        console.print(f"[red]cannot start:[/red] {exc.detail}")
        raise typer.Exit(1) from None
    if sealed:
        console.print(f"sealed {sealed} two-factor secret(s) stored in clear by an earlier version")
