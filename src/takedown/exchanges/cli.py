"""`takedown exchange ...`: make banks follow hash exchanges, sync them, see how they stand."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select

from takedown.banks.models import Bank
from takedown.cli.refusals import refused
from takedown.errors import TakedownError
from takedown.exchanges import apis, service
from takedown.exchanges.models import BankExchange
from takedown.settings import get_settings
from takedown.store.db import session_scope

app = typer.Typer(
    help="Hash exchanges (NCMEC hash sharing, StopNCII, a ThreatExchange privacy group, a local "
    "file) that banks follow.",
    no_args_is_help=True,
)
console = Console(stderr=True)
CLI_ACTOR = "cli"


def _fail(exc: TakedownError) -> typer.Exit:
    return refused(exc)


def _setting(item: str) -> tuple[str, Any]:
    name, sep, raw = item.partition("=")
    if not sep or not name:
        raise typer.BadParameter(f"{item!r}: expected NAME=VALUE")
    try:
        return name, json.loads(raw)  # numbers and lists (only_esp_ids=[1,2]) as JSON
    except json.JSONDecodeError:
        return name, raw


@app.command()
def follow(
    bank: str = typer.Argument(..., help="Bank name (create it first: takedown bank create)."),
    exchange: str = typer.Option(..., help=f"One of: {', '.join(apis.KINDS)}."),
    setting: list[str] = typer.Option(
        [],
        "--set",
        help="Exchange setting NAME=VALUE, repeatable: ncmec environment=Industry, optionally "
        "only_esp_ids=[1,2]; fb_threatexchange privacy_group=123, optionally "
        "tags='[\"csam\"]'; local_file filename=/path, optionally signal_type=pdq.",
    ),
    every: int = typer.Option(60, help="Minutes between syncs."),
) -> None:
    """Make a bank follow an exchange; the background job syncs it from now on."""
    config = dict(_setting(item) for item in setting)
    try:
        with session_scope(get_settings().resolved_database_url) as db_session:
            service.follow(
                db_session=db_session,
                bank_name=bank,
                api=exchange,
                config=config,
                every_minutes=every,
                actor=CLI_ACTOR,
            )
    except TakedownError as exc:
        raise _fail(exc) from exc
    console.print(
        f"bank [bold]{bank}[/bold] follows {exchange}; sync now: takedown exchange sync {bank}"
    )


@app.command()
def unfollow(bank: str = typer.Argument(..., help="Bank name.")) -> None:
    """Stop following (the bank keeps its entries; `takedown bank disable` stops its matches)."""
    try:
        with session_scope(get_settings().resolved_database_url) as db_session:
            service.unfollow(db_session=db_session, bank_name=bank, actor=CLI_ACTOR)
    except TakedownError as exc:
        raise _fail(exc) from exc
    console.print(f"bank [bold]{bank}[/bold] no longer follows an exchange")


@app.command()
def sync(
    bank: str = typer.Argument(..., help="Bank name."),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON."),
) -> None:
    """Fetch everything new from the bank's exchange now, to the end."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("fetching", total=None)

        def show(outcome: service.SyncOutcome) -> None:
            progress.update(
                task,
                description=f"{outcome.records} records: {outcome.added} added, "
                f"{outcome.retracted} withdrawn",
            )

        try:
            outcome = service.sync(get_settings(), bank, on_batch=show, actor=CLI_ACTOR)
        except TakedownError as exc:
            raise _fail(exc) from exc
        except Exception as exc:  # the exchange's own errors (HTTP, credentials)
            console.print(f"[red]sync failed[/red]: {type(exc).__name__}: {escape(str(exc))}")
            raise typer.Exit(1) from exc
    if as_json:
        typer.echo(json.dumps(outcome.counts()))
    else:
        console.print(
            f"{outcome.records} records: [green]{outcome.added}[/green] hashes added, "
            f"{outcome.enabled} returned, {outcome.retracted} withdrawn"
            + (f", [yellow]{outcome.refused} refused[/yellow]" if outcome.refused else "")
        )


@app.command()
def status(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Every bank that follows an exchange: when it last synced, how far, what failed."""
    with session_scope(get_settings().resolved_database_url) as db_session:
        rows = db_session.execute(
            select(Bank, BankExchange)
            .join(BankExchange, BankExchange.bank_id == Bank.id)
            .order_by(Bank.name)
        ).all()
        data: list[dict[str, Any]] = [
            service.status_of(
                db_session=db_session, bank_name=bank.name, exchange=exchange
            ).model_dump(mode="json")
            for bank, exchange in rows
        ]
    if as_json:
        typer.echo(json.dumps(data))
        return
    table = Table(
        "bank", "exchange", "last synced", "records", "added / withdrawn / refused", "error"
    )
    for row in data:
        totals = row["totals"]
        table.add_row(
            row["bank"],
            row["exchange"],
            row["last_synced_at"] or "never",
            str(row["records"]),
            f"{totals.get('added', 0)} / {totals.get('retracted', 0)} / {totals.get('refused', 0)}",
            row["last_error"] or "",
        )
    Console().print(table)
