"""`takedown evidence verify|rekey`: check the vault opens whole, and move it to a new key."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from takedown.evidence import crypto
from takedown.evidence.rekey import VaultWalk, stored_files, walk_vault
from takedown.settings import get_settings

app = typer.Typer(help="The encrypted evidence vault.", no_args_is_help=True)
console = Console()

JSON_OPTION = typer.Option(False, "--json", help="One JSON object with the counts and problems.")


@app.command()
def verify(as_json: bool = JSON_OPTION) -> None:
    """Open every file kept (not purged) with the configured keys and check its SHA-256; exit 1
    on any file missing, unopenable or changed. Also counts files still under a retired key."""
    _finish(_walk(rekey=False, label="verifying"), as_json)


@app.command()
def rekey(as_json: bool = JSON_OPTION) -> None:
    """After a key change (new key in TAKEDOWN_EVIDENCE_KEY or _FILE, the old one in
    TAKEDOWN_EVIDENCE_RETIRED_KEYS): encrypt every file a retired key opens again under the
    current key. Safe to run again, and while servers run; exit 1 on any problem."""
    _finish(_walk(rekey=True, label="re-encrypting"), as_json)


def _walk(*, rekey: bool, label: str) -> VaultWalk:
    # reading the vault never makes a key: a missing one is an error here, not a new key
    settings = get_settings().model_copy(update={"evidence_generate_key": False})
    try:
        crypto.opening_keys(settings)
    except crypto.EvidenceKeyError as exc:
        console.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from exc
    files = stored_files(settings)
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task(label, total=len(files))
        return walk_vault(
            settings, files, rekey=rekey, actor="cli", advance=lambda: progress.advance(task)
        )


def _finish(walk: VaultWalk, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(walk.as_dict()))
    else:
        console.print(
            f"{walk.files} files: {walk.under_current_key} under the current key, "
            f"{walk.rekeyed} re-encrypted, {walk.under_retired_key} under a retired key"
            + (f" ({walk.left_for_purge} due for purge, left)" if walk.left_for_purge else "")
            + f", [{'red' if walk.problems else 'green'}]{len(walk.problems)}[/] problems"
        )
        for name, why in walk.problems[:50]:
            console.print(f"  {escape(name)}: {escape(why)}")
    if walk.problems:
        raise typer.Exit(1)
