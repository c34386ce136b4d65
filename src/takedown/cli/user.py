"""`takedown user ...`: staff accounts for the console and the staff API."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from takedown.auth import users
from takedown.auth.models import Role
from takedown.auth.users import create_user, issue_staff_token
from takedown.cli.refusals import refused
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
        raise refused(exc) from exc
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
        raise refused(exc) from exc
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
    from takedown.console.auth import reset_two_factor_and_sign_out

    _change(lambda db: reset_two_factor_and_sign_out(db_session=db, username=username, actor="cli"))
    console.print(
        f"two-factor sign-in of [bold]{username}[/bold] reset and their sessions ended; "
        "they set it up again at their next sign-in"
    )


@app.command("reseal-two-factor")
def reseal_two_factor() -> None:
    """Seal every user's two-factor secret under TAKEDOWN_TWO_FACTOR_KEY, after a key change
    (the old key listed in TAKEDOWN_TWO_FACTOR_RETIRED_KEYS); nobody has to enrol again."""
    from takedown.auth.sealed_secrets import TwoFactorKeyError, reseal

    try:
        count = reseal(get_settings(), actor="cli")
    except TwoFactorKeyError as exc:
        console.print(f"[red]{exc.detail}[/red]")
        raise typer.Exit(1) from None
    console.print(
        f"{count} two-factor secret(s) sealed under the current key; the retired keys can go"
    )


@app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="One JSON object a line.")) -> None:
    """Every staff user: role, whether two-factor sign-in is set up, last sign-in, disabled."""
    from rich.table import Table

    from takedown.auth.two_factor import is_enrolled

    with session_scope(get_settings().resolved_database_url) as db_session:
        rows = [
            {
                "username": user.username,
                "role": user.role,
                "two_factor": is_enrolled(user),
                "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
                "disabled": user.disabled,
            }
            for user in users.list_users(db_session=db_session)
        ]
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row))
        return
    table = Table(*rows[0].keys()) if rows else Table("username")
    for row in rows:
        table.add_row(*(str(value) for value in row.values()))
    Console().print(table)


def _change(apply: Callable[[Session], object]) -> None:
    """Run one change to staff users in a transaction; a refusal is printed, exit 1."""
    try:
        with session_scope(get_settings().resolved_database_url) as db_session:
            apply(db_session)
    except TakedownError as exc:
        raise refused(exc) from exc


@app.command()
def disable(username: str = typer.Option(..., help="The staff user who leaves.")) -> None:
    """Disable a staff user: their console sessions and staff tokens end at once, for good."""
    _change(
        lambda db: users.set_disabled(db_session=db, username=username, disabled=True, actor="cli")
    )
    console.print(f"user [bold]{username}[/bold] disabled")


@app.command()
def enable(username: str = typer.Option(..., help="The staff user to let back in.")) -> None:
    """Enable a disabled staff user again: they sign in afresh and need a new staff token (the
    old sessions and tokens stay ended)."""
    _change(
        lambda db: users.set_disabled(db_session=db, username=username, disabled=False, actor="cli")
    )
    console.print(f"user [bold]{username}[/bold] enabled")


@app.command("set-role")
def set_role(
    username: str = typer.Option(..., help="The staff user."),
    role: Role = typer.Option(..., help="reviewer, child_safety_reviewer, legal or admin."),
) -> None:
    """Change a staff user's role (the last enabled admin cannot be demoted)."""
    _change(lambda db: users.set_role(db_session=db, username=username, role=role, actor="cli"))
    console.print(f"user [bold]{username}[/bold] is now {role.value}")


@app.command()
def invite(
    username: str = typer.Option(..., help="Login name of the new staff member."),
    role: Role = typer.Option(..., help="reviewer, child_safety_reviewer, legal or admin."),
    as_json: bool = typer.Option(False, "--json", help='Print {"link": ...} only.'),
) -> None:
    """Create a staff user with a single-use link on which they choose their own password (and
    set up two-factor sign-in); the link is printed once and works for 72 hours."""
    from takedown.auth import invites

    settings = get_settings()
    links: list[str] = []

    def create(db_session: Session) -> None:
        token = invites.invite(db_session=db_session, username=username, role=role, actor="cli")
        links.append(settings.resolved_public_base_url.rstrip("/") + invites.invite_path(token))

    _change(create)
    if as_json:
        typer.echo(json.dumps({"link": links[0]}))
    else:
        console.print(f"[bold]{username}[/bold] ({role.value}) invited; send them this link once:")
        typer.echo(links[0])
