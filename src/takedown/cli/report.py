"""`takedown report transparency|statements`: the transparency report and DSA statement batches."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import typer
from rich.console import Console

from takedown.settings import get_settings
from takedown.store.db import session_scope

app = typer.Typer(help="Transparency reports and statements of reasons.", no_args_is_help=True)
console = Console(stderr=True)


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{option} wants a date like 2026-01-31", param_hint=option
        ) from None


@app.command()
def transparency(
    start: str = typer.Option(..., "--from", help="First day (YYYY-MM-DD, UTC)."),
    end: str = typer.Option(..., "--to", help="Last day, included (YYYY-MM-DD, UTC)."),
    output: Path = typer.Option(
        None, "--output", help="Directory for report.html and the CSV files."
    ),
) -> None:
    """Write the transparency report (HTML with plots, and CSV data) for a period."""
    from takedown.transparency.report import gather, period, write

    first, last = _day(start, "--from"), _day(end, "--to")
    if last < first:
        raise typer.BadParameter("--to is before --from", param_hint="--to")
    settings = get_settings()
    output = output or settings.data_dir / "reports" / f"transparency-{first}-{last}"
    lower, upper = period(first, last)
    with session_scope(settings.resolved_database_url) as db_session:
        figures = gather(db_session=db_session, start=lower, end=upper)
    files = write(figures, output, platform=settings.esp_name)
    for path in files:
        typer.echo(str(path))
    console.print(f"[green]transparency report written to {output}[/green]")


@app.command()
def statements(
    output: Path = typer.Option(..., "--output", help="Directory for statements-NNNN.json."),
    start: str = typer.Option(None, "--from", help="First day (YYYY-MM-DD, UTC)."),
    end: str = typer.Option(None, "--to", help="Last day, included (YYYY-MM-DD, UTC)."),
) -> None:
    """Export statements of reasons as DSA Transparency Database batches (at most 100 each)."""
    from takedown.transparency.report import period
    from takedown.transparency.service import export_batches

    lower: datetime | None = None
    upper: datetime | None = None
    if start:
        lower = period(_day(start, "--from"), _day(start, "--from"))[0]
    if end:
        upper = period(_day(end, "--to"), _day(end, "--to"))[1]
    output.mkdir(parents=True, exist_ok=True)
    settings = get_settings()
    count = 0
    with session_scope(settings.resolved_database_url) as db_session:
        for number, batch in enumerate(
            export_batches(db_session=db_session, start=lower, end=upper), start=1
        ):
            path = output / f"statements-{number:04d}.json"
            path.write_text(json.dumps(batch, indent=1, sort_keys=True))
            typer.echo(str(path))
            count += len(batch["statements"])
    console.print(f"[green]{count} statements exported to {output}[/green]")
