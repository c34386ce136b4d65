"""`takedown backfill MANIFEST`: scan a back catalogue (content public before Takedown scanned it)
from local files, as `POST /v1/scan` with `published=true` scans each item.

The manifest is a CSV with a header: `content_id` and `path` (relative to the manifest's folder)
required, `account_id` and `content_url` optional. Each row is one scan in its own transaction,
so a stopped run keeps what it did; a second run skips the content ids already scanned as
published, and tries again the rows that failed. Bad rows (a missing file, media Takedown refuses)
are reported by line number and the run goes on.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import select

from takedown.errors import TakedownError
from takedown.scan.flows import scan_upload
from takedown.scan.models import ContentItem
from takedown.settings import Settings, get_settings
from takedown.store.db import session_scope

console = Console(stderr=True)
REQUIRED = ("content_id", "path")


@dataclass
class BackfillRun:
    rows: int = 0
    scanned: int = 0
    skipped: int = 0  # already scanned as published by an earlier run
    verdicts: Counter[str] = field(default_factory=Counter)
    cases: list[str] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)

    def as_dict(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "scanned": self.scanned,
            "skipped": self.skipped,
            "verdicts": dict(self.verdicts),
            "cases": self.cases,
            "failed": [{"line": line, "reason": reason} for line, reason in self.failed],
        }


def backfill(
    manifest: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Scan a back catalogue listed in a CSV manifest (content_id, path[, account_id,
    content_url]) as already public: known material is taken down and opens cases."""
    from takedown.index.service import load_index

    with manifest.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
        if missing:
            console.print(f"[red]the manifest's header lacks: {', '.join(missing)}[/red]")
            raise typer.Exit(2)
        rows = [(reader.line_num, row) for row in reader]
    settings = get_settings()
    index = load_index(settings)
    run = BackfillRun(rows=len(rows))
    try:
        with Progress(
            TextColumn("scanning"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("backfill", total=len(rows))
            for line, row in rows:
                _scan_row(settings, index, manifest.parent, line, row, run)
                progress.advance(task)
    finally:
        index.close()
    if as_json:
        typer.echo(json.dumps(run.as_dict()))
    else:
        console.print(
            f"{run.scanned} scanned ({', '.join(f'{v} {k}' for k, v in run.verdicts.items())}), "
            f"{run.skipped} skipped, {len(run.cases)} cases, "
            f"[{'red' if run.failed else 'green'}]{len(run.failed)}[/] failed"
        )
        for line, reason in run.failed[:50]:
            console.print(f"  line {line}: {reason}")
    if run.failed:
        raise typer.Exit(1)


def _scan_row(
    settings: Settings, index: Any, folder: Path, line: int, row: dict[str, str], run: BackfillRun
) -> None:
    content_id = (row.get("content_id") or "").strip()
    path = folder / (row.get("path") or "").strip()
    if not content_id or not row.get("path"):
        run.failed.append((line, "content_id and path are required"))
        return
    url = settings.resolved_database_url
    with session_scope(url) as db_session:
        done = db_session.scalar(
            select(ContentItem.id).where(
                ContentItem.content_id == content_id, ContentItem.published.is_(True)
            )
        )
    if done is not None:
        run.skipped += 1
        return
    if not path.is_file():
        run.failed.append((line, f"no file {path}"))
        return
    try:
        with session_scope(url) as db_session:
            result = scan_upload(
                db_session=db_session,
                settings=settings,
                index=index,
                data=path.read_bytes(),
                content_id=content_id,
                account_id=(row.get("account_id") or "").strip() or None,
                content_url=(row.get("content_url") or "").strip() or None,
                filename=path.name,
                published=True,
            )
    except TakedownError as exc:
        run.failed.append((line, f"{exc.code}: {exc.detail}"))
        return
    run.scanned += 1
    run.verdicts[result.verdict.value] += 1
    if result.case_id:
        run.cases.append(result.case_id)
