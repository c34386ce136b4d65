"""`takedown audit verify|show|checkpoint|public-key`: prove the audit log is whole (against
signed checkpoints too), read it."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from takedown.audit.checkpoints import (
    CHECKPOINT_FILE,
    check_checkpoint,
    make_checkpoint,
    public_key_text,
    read_checkpoints,
    signing_key,
)
from takedown.audit.service import AuditQuery, audit_read, entry_json, find
from takedown.audit.service import verify as verify_chain
from takedown.settings import get_settings
from takedown.store.db import session_scope

app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
console = Console()


@app.command()
def verify(
    checkpoints: list[Path] = typer.Option(
        [],
        "--checkpoints",
        exists=True,  # a mistyped name is the operator's mistake (exit 2), not a changed log
        dir_okay=False,
        help="Files of checkpoints (a witness's copy, a backup); repeatable. The instance's own "
        "file (<data_dir>/audit-checkpoints.jsonl) is always read when it exists.",
    ),
    public_key: str = typer.Option(
        None,
        help="Accept only checkpoints signed by this key (takedown audit public-key); default "
        "for the instance's own file: the installation's key.",
    ),
    own_checkpoints: bool = typer.Option(
        True, help="Read the instance's own checkpoint file too (when it exists)."
    ),
) -> None:
    """Re-walk the hash chain and check it against every signed checkpoint (the instance's own
    file and any --checkpoints); exit 1 and list every changed, inserted or deleted entry and
    every checkpoint the log no longer matches (rewritten or cut back). Entries after the newest
    checkpoint are covered by the chain alone: recomputed or cut, they pass."""
    settings = get_settings()
    own = Path(settings.data_dir) / CHECKPOINT_FILE
    files = [(path, public_key) for path in checkpoints]
    if (
        own_checkpoints
        and own.is_file()
        and own.resolve() not in {p.resolve() for p in checkpoints}
    ):
        files.append((own, public_key or public_key_text(signing_key(settings))))
    if public_key and not files:
        console.print(
            "[red]--public-key checks checkpoints, and there are none: "
            "give --checkpoints FILE[/red]"
        )
        raise typer.Exit(2)
    problems: list[str] = []
    matched, newest = 0, 0
    with session_scope(settings.resolved_database_url) as db_session:
        problems += [f"entry {p.seq}: {p.problem}" for p in verify_chain(db_session=db_session)]
        for path, trusted in files:
            try:
                found = read_checkpoints(path)
            except (OSError, ValueError) as exc:
                problems.append(str(exc))
                continue
            for checkpoint in found:
                why = check_checkpoint(db_session, checkpoint, trusted_key=trusted)
                if why is None:
                    matched += 1
                    newest = max(newest, checkpoint.seq)
                else:
                    problems.append(f"checkpoint of entry {checkpoint.seq} ({path}): {why}")
    if not problems:
        if files:
            also = f"; matches {matched} checkpoints, the newest at entry {newest}"
        else:
            also = "; no checkpoints: a rewrite with every hash recomputed would pass"
        console.print(f"[green]audit log intact[/green]{also}")
        return
    for problem in problems:
        console.print(f"[red]{escape(problem)}[/red]")
    raise typer.Exit(1)


@app.command()
def checkpoint() -> None:
    """Print a signed checkpoint of the chain's head now (one JSON line), to keep elsewhere."""
    settings = get_settings()
    with session_scope(settings.resolved_database_url) as db_session:
        made = make_checkpoint(db_session=db_session, settings=settings)
    if made is None:
        console.print("[yellow]the audit log is empty[/yellow]")
        raise typer.Exit(1)
    typer.echo(made.line())


@app.command("public-key")
def public_key() -> None:
    """The public half of the key that signs checkpoints (publish it, give it to auditors)."""
    typer.echo(public_key_text(signing_key(get_settings())))


@app.command()
def show(
    subject: str = typer.Option(None, help="A case id, user id, ... (exact)."),
    actor: str = typer.Option(None, help='Who acted: "user:<id>", "key:<id>", "cli", "system".'),
    action: str = typer.Option(None, help='An action or its prefix: "case.", "media.revealed".'),
    before: int = typer.Option(None, help="Only entries before this sequence number (paging)."),
    limit: int = typer.Option(50, min=1, max=10_000, help="At most this many, newest first."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object a line."),
) -> None:
    """Read the audit log, newest first (who did what to which case, user or bank, and when)."""
    query = AuditQuery(subject=subject, actor=actor, action=action, before=before, limit=limit)
    with session_scope(get_settings().resolved_database_url) as db_session:
        rows = [entry_json(entry) for entry in find(db_session=db_session, query=query)]
        audit_read(db_session, reader="cli", query=query, shown=len(rows))
    for row in rows:
        if as_json:
            typer.echo(json.dumps(row))
        else:
            details = " ".join(f"{k}={v}" for k, v in row["details"].items())
            console.print(
                f"{row['seq']:>7} {row['at'][:19]} {escape(row['actor'])} "
                f"[bold]{escape(row['action'])}[/bold] {escape(row['subject'])} {escape(details)}",
                highlight=False,
            )
