"""`takedown user create|token|reset-two-factor`: staff accounts (console, staff API)."""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console

from takedown.auth.models import Role
from takedown.auth.users import create_user, issue_staff_token
from takedown.errors import TakedownError
from takedown.settings import get_settings
from takedown.store.db import session_scope

app = typer.Typer(help="Staff users (reviewers, legal, admins).", no_args_is_help=True)
console = Console(stderr=True)


@app.command()
def create(
    username: str = typer.Option(..., help="Login name."),
    role: Role = typer.Option(..., help="reviewer, child_safety_reviewer, legal or admin."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (one line)."
    ),
) -> None:
    """Create a staff user. The password comes from stdin, never from the command line."""
    if not password_stdin:
        console.print("[red]pass --password-stdin and send the password on standard input[/red]")
        raise typer.Exit(2)
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        with session_scope(get_settings().resolved_database_url) as db_session:
            user = create_user(
                db_session=db_session, username=username, role=role, password=password, actor="cli"
            )
            user_id = user.id
    except TakedownError as exc:
        console.print(f"[red]{exc.detail}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"user [bold]{username}[/bold] ({role.value}) created: {user_id}")


@app.command()
def token(
    username: str = typer.Option(..., help="The staff user the token acts as."),
    as_json: bool = typer.Option(False, "--json", help='Print {"token": ...} only.'),
) -> None:
    """Issue a bearer token for the staff API (/v1/cases). Printed once; only its hash is kept."""
    try:
        with session_scope(get_settings().resolved_database_url) as db_session:
            key = issue_staff_token(db_session=db_session, username=username, actor="cli")
    except TakedownError as exc:
        console.print(f"[red]{exc.detail}[/red]")
        raise typer.Exit(1) from exc
    if as_json:
        typer.echo(json.dumps({"token": key}))
    else:
        console.print(f"staff token for [bold]{username}[/bold]; store it now:")
        typer.echo(key)


@app.command("reset-two-factor")
def reset_two_factor(
    username: str = typer.Option(..., help="The staff user who lost a phone."),
) -> None:
    """Forget a user's two-factor enrolment and recovery codes and sign them out everywhere;
    they set up a new authenticator at their next sign-in."""
    from takedown.auth import two_factor
    from takedown.console.auth import end_user_sessions

    try:
        with session_scope(get_settings().resolved_database_url) as db_session:
            user = two_factor.reset_two_factor(
                db_session=db_session, username=username, actor="cli"
            )
            end_user_sessions(db_session=db_session, user_id=user.id)
    except TakedownError as exc:
        console.print(f"[red]{exc.detail}[/red]")
        raise typer.Exit(1) from exc
    console.print(
        f"two-factor sign-in of [bold]{username}[/bold] reset and their sessions ended; "
        "they set it up again at their next sign-in"
    )
