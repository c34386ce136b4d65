"""`takedown ncmec ...` (file, status, run, check, validate) and `takedown ncmec-sandbox`."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from takedown.cases.models import Case
from takedown.cli.refusals import refused
from takedown.errors import TakedownError
from takedown.ncmec import service
from takedown.ncmec.client import CyberTiplineClient, environment_of
from takedown.ncmec.flows import claim, run_filing
from takedown.ncmec.models import FilingState, NcmecFiling
from takedown.ncmec.scheduled import file_due_reports
from takedown.ncmec.xml import validate as validate_xml
from takedown.settings import get_settings
from takedown.store.db import session_scope

app = typer.Typer(help="NCMEC CyberTipline reports.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


@app.command("file")
def file_case(
    case_id: str = typer.Argument(..., help="The case to report."),
    now: bool = typer.Option(False, "--now", help="Send it now instead of leaving it to the job."),
) -> None:
    """Queue (or re-queue after a failure) a case's CyberTipline report."""
    settings = get_settings()
    try:
        with session_scope(settings.resolved_database_url) as db_session:
            case = db_session.get(Case, case_id)
            if case is None:
                errors.print(f"[red]no case {case_id}[/red]")
                raise typer.Exit(2)
            filing, _ = service.request_filing(
                db_session=db_session, settings=settings, case=case, actor="cli"
            )
            filing_id = filing.id
    except TakedownError as exc:
        raise refused(exc) from exc
    state = "pending"
    if now and claim(settings, filing_id):
        state = run_filing(settings, filing_id)
    _print_filings(settings, case_id)
    if state == FilingState.FAILED:
        raise typer.Exit(1)


@app.command()
def status(
    case_id: str = typer.Argument(None, help="One case; default: every unfinished filing."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show filings: state, NCMEC report id, attempts, next attempt, last error."""
    settings = get_settings()
    _print_filings(settings, case_id, as_json=as_json)


@app.command()
def run() -> None:
    """Attempt every due filing once (what the background job does every few seconds)."""
    results = file_due_reports(get_settings())
    for filing_id, state in results.items():
        console.print(f"{filing_id}: {state}")
    if not results:
        console.print("nothing due")
    if FilingState.FAILED in results.values():
        raise typer.Exit(1)


@app.command()
def check() -> None:
    """Call NCMEC's /status with the configured URL and credentials."""
    settings = get_settings()
    try:
        with CyberTiplineClient.from_settings(
            settings, report_environment=environment_of(settings)
        ) as client:
            answer = client.status()
    except TakedownError as exc:
        raise refused(exc) from exc
    console.print(f"[green]ok[/green] {client.base_url}: {answer.description}")


@app.command()
def validate(path: Path = typer.Argument(..., exists=True, dir_okay=False)) -> None:
    """Validate a <report> or <fileDetails> document against the CyberTipline XSD."""
    try:
        validate_xml(path.read_bytes())
    except TakedownError as exc:
        raise refused(exc) from exc
    console.print("[green]valid[/green]")


def _print_filings(settings, case_id: str | None, *, as_json: bool = False) -> None:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        if case_id:
            filings = service.filings_for_case(db_session=db_session, case_id=case_id)
        else:
            filings = list(
                db_session.query(NcmecFiling)
                .filter(NcmecFiling.state != FilingState.FINISHED)
                .order_by(NcmecFiling.created_at)
            )
        rows = [service.describe(db_session=db_session, filing=f) for f in filings]
    if as_json:
        typer.echo(json.dumps(rows, default=str, indent=2))
        return
    table = Table("filing", "case", "state", "NCMEC report", "files", "attempts", "next / error")
    for row in rows:
        table.add_row(
            row["id"],
            row["case_id"],
            row["state"],
            row["ncmec_report_id"] or "-",
            str(len(row["file_ids"])),
            str(row["attempts"]),
            row["last_error"] or str(row["next_attempt_at"] or ""),
        )
    console.print(table)


def sandbox(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8700, help="Port."),
    username: str = typer.Option("sandbox-user", help="HTTP Basic username it accepts."),
    password: str = typer.Option("sandbox-password", help="HTTP Basic password it accepts."),
) -> None:
    """Run a local CyberTipline conformance server (never contacts NCMEC)."""
    import uvicorn

    from takedown.ncmec.sandbox import SandboxState, create_sandbox_app

    state = SandboxState(username=username, password=password)
    errors.print(
        f"[green]CyberTipline sandbox[/green] on http://{host}:{port}/ispws\n"
        f"  TAKEDOWN_NCMEC_URL=http://{host}:{port}/ispws TAKEDOWN_NCMEC_ENVIRONMENT=test\n"
        f"  TAKEDOWN_NCMEC_USERNAME={username} TAKEDOWN_NCMEC_PASSWORD=<the password>\n"
        "  inject failures: POST /_sandbox/faults {count, endpoint, http_status, code}"
    )
    uvicorn.run(create_sandbox_app(state), host=host, port=port, log_level="info")
