"""`takedown demo`: migrate, seed demo data (idempotent), print logins, then serve."""

from __future__ import annotations

import os

import typer
from rich.console import Console
from rich.table import Table

from takedown.cli.db import prepare_database
from takedown.cli.serve import listen_on
from takedown.settings import get_settings

console = Console(stderr=True)


def demo(
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve after seeding."),
    host: str = typer.Option(None, help="Address to listen on (default TAKEDOWN_HOST)."),
    port: int = typer.Option(None, help="Port (default TAKEDOWN_PORT)."),
) -> None:
    """Run Takedown with demo data: a bank of benign stand-in images, a few cases, and
    reviewer logins (new passwords on every start)."""
    from takedown.console.demo import STAND_IN_LABEL, seed_demo
    from takedown.notify.service import tracking_url

    listen_on(host, port)
    # Demo logins work with their printed passwords alone; a real server asks for a second factor.
    two_factor_set = "TAKEDOWN_CONSOLE_TWO_FACTOR" in os.environ
    os.environ.setdefault("TAKEDOWN_CONSOLE_TWO_FACTOR", "false")
    get_settings.cache_clear()
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    prepare_database(settings)
    console.print("[bold]Seeding demo data[/bold] (idempotent) ...")
    seed = seed_demo(settings)
    base = settings.resolved_public_base_url
    console.print(
        f"bank [bold]demo-stand-ins[/bold]: {seed.bank_entries} hashes, every one a "
        f"{STAND_IN_LABEL} (scikit-image photographs; no abusive material anywhere)"
    )
    for case in seed.cases:
        due = f"due {case['deadline']}" if case["deadline"] else "watching for a matching upload"
        console.print(
            f"case {case['case_id']}  {case['category']}  {due}  "
            f"track: {tracking_url(settings, case['tracking_token'])}"
        )
    logins = Table(title=f"Console: {base}/console   (public form: {base}/report)")
    for column in ("username", "role", "password"):
        logins.add_column(column)
    for username, (role, password) in seed.logins.items():
        logins.add_row(username, role, password)
    console.print(logins)
    console.print(
        f"quality check: demo-cs-2 decided one case; demo-cs-1 finds it at {base}/console/quality"
    )
    if not two_factor_set:
        console.print(
            "two-factor sign-in is off for the demo "
            "(TAKEDOWN_CONSOLE_TWO_FACTOR=true turns it on, as it is on any other server)"
        )
    # Plain lines too, for scripts and terminals that mangle tables.
    typer.echo(f"console: {base}/console")
    for username, (role, password) in seed.logins.items():
        typer.echo(f"login: {username} {password} ({role})")
    if serve:
        from takedown.cli.serve import start_server

        start_server(host, port)
