"""`takedown bank ...`: create, import, list, export, enable and disable hash banks."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table

from takedown.banks import formats, service
from takedown.cli.refusals import refused
from takedown.errors import TakedownError
from takedown.settings import get_settings
from takedown.store.db import session_scope

app = typer.Typer(help="Hash banks: create, import, list, export, disable.", no_args_is_help=True)
console = Console(stderr=True)
CLI_ACTOR = "cli"


def _fail(exc: TakedownError) -> typer.Exit:
    return refused(exc)


@app.command()
def create(
    name: str = typer.Argument(..., help="Bank name (unique)."),
    category: str = typer.Option(..., help="csam, ncii or other."),
    action: str = typer.Option(..., help="block or review: what a match does."),
    threshold: int = typer.Option(
        None, help="PDQ distance threshold, 0-256 (default TAKEDOWN_PDQ_DEFAULT_THRESHOLD)."
    ),
    description: str = typer.Option("", help="What the bank holds and where it came from."),
    source: str = typer.Option("manual", help="manual, file, platform-confirmed, exchange."),
) -> None:
    """Create a bank."""
    settings = get_settings()
    try:
        with session_scope(settings.resolved_database_url) as db_session:
            bank = service.create_bank(
                db_session=db_session,
                name=name,
                category=category,
                action=action,
                pdq_threshold=settings.pdq_default_threshold if threshold is None else threshold,
                description=description,
                source=source,
                actor=CLI_ACTOR,
            )
            console.print(f"created bank [bold]{bank.name}[/bold] (id {bank.id})")
    except TakedownError as exc:
        raise _fail(exc) from exc


@app.command("import")
def import_(
    bank: str = typer.Argument(..., help="Bank name."),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    fmt: str = typer.Option(None, "--format", help="csv or text (default: by file extension)."),
    signal_type: str = typer.Option(
        None, "--signal-type", help="Bare hashes, one a line, all of this type (text format)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Import hashes (python-threatexchange CSV or text). Re-importing adds nothing new."""
    fmt = fmt or formats.guess_format(file.name)
    size = file.stat().st_size
    try:
        with (
            session_scope(get_settings().resolved_database_url) as db_session,
            file.open(encoding="utf-8", errors="replace", newline="") as stream,
            Progress(
                TextColumn("importing"),
                BarColumn(),
                TaskProgressColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=True,
            ) as progress,
        ):
            task = progress.add_task("import", total=size or 1)
            target = service.get_bank(db_session=db_session, name=bank)
            report = formats.import_lines(
                db_session=db_session,
                bank=target,
                lines=stream,
                fmt=fmt,
                signal_type=signal_type,
                added_by=CLI_ACTOR,
                on_progress=lambda n: progress.advance(task, n),
                source_name=file.name,
            )
            progress.update(task, completed=size)
    except TakedownError as exc:
        raise _fail(exc) from exc
    if as_json:
        typer.echo(json.dumps(report.as_dict()))
    else:
        console.print(
            f"[green]{report.added}[/green] added, {report.skipped} already in the bank, "
            f"[{'red' if report.bad_count else 'green'}]{report.bad_count}[/] bad lines"
        )
        for bad in report.bad[:50]:
            console.print(f"  line {bad.line}: {bad.reason}")
        if report.bad_count > 50:
            console.print(f"  ... and {report.bad_count - 50} more (see --json)")
    if report.bad_count:
        raise typer.Exit(3)


@app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List banks with their entry counts."""
    with session_scope(get_settings().resolved_database_url) as db_session:
        rows = service.list_banks(db_session=db_session)
        data = [
            {
                "name": bank.name,
                "category": bank.category,
                "action": bank.action,
                "threshold": bank.pdq_threshold,
                "source": bank.source,
                "enabled": bank.enabled,
                "entries": enabled,
                "entries_total": total,
            }
            for bank, enabled, total in rows
        ]
    if as_json:
        typer.echo(json.dumps(data))
        return
    table = Table("name", "category", "action", "threshold", "source", "enabled", "entries")
    for row in data:
        table.add_row(
            str(row["name"]),
            str(row["category"]),
            str(row["action"]),
            str(row["threshold"]),
            str(row["source"]),
            "yes" if row["enabled"] else "no",
            f"{row['entries']} of {row['entries_total']}",
        )
    Console().print(table)


@app.command()
def export(
    bank: str = typer.Argument(..., help="Bank name."),
    fmt: str = typer.Option("csv", "--format", help="csv or text."),
    signal_type: str = typer.Option(None, "--signal-type", help="Text: bare hashes of one type."),
    output: Path = typer.Option(None, "--output", "-o", help="File to write (default stdout)."),
) -> None:
    """Export a bank's enabled entries."""
    try:
        with session_scope(get_settings().resolved_database_url) as db_session:
            target = service.get_bank(db_session=db_session, name=bank)
            lines = formats.export_lines(
                db_session=db_session, bank=target, fmt=fmt, signal_type=signal_type
            )
            if output is None:
                sys.stdout.writelines(lines)
                sys.stdout.flush()
            else:
                with output.open("w", encoding="utf-8", newline="") as handle:
                    handle.writelines(lines)
    except TakedownError as exc:
        raise _fail(exc) from exc


def _set_enabled(bank: str, enabled: bool) -> None:
    try:
        with session_scope(get_settings().resolved_database_url) as db_session:
            service.set_bank_enabled(
                db_session=db_session, name=bank, enabled=enabled, actor=CLI_ACTOR
            )
    except TakedownError as exc:
        raise _fail(exc) from exc
    console.print(f"bank [bold]{bank}[/bold] {'enabled' if enabled else 'disabled'}")


@app.command()
def disable(bank: str = typer.Argument(..., help="Bank name.")) -> None:
    """Stop a bank matching (its entries are kept)."""
    _set_enabled(bank, False)


@app.command()
def enable(bank: str = typer.Argument(..., help="Bank name.")) -> None:
    """Let a disabled bank match again."""
    _set_enabled(bank, True)


@app.command("disable-entry")
def disable_entry(
    bank: str = typer.Argument(..., help="Bank name."),
    entry_id: int = typer.Argument(..., help="Entry id (from a match or an export)."),
) -> None:
    """Stop one entry matching."""
    try:
        with session_scope(get_settings().resolved_database_url) as db_session:
            service.set_entry_enabled(
                db_session=db_session,
                bank_name=bank,
                entry_id=entry_id,
                enabled=False,
                actor=CLI_ACTOR,
            )
    except TakedownError as exc:
        raise _fail(exc) from exc
    console.print(f"entry {entry_id} of bank [bold]{bank}[/bold] disabled")
