"""`takedown match FILE | --signal-type T --value HASH`: what the banks say about a file or hash."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from takedown.cli.refusals import refused
from takedown.errors import TakedownError
from takedown.scan import flows
from takedown.settings import get_settings

console = Console(stderr=True)


def match(
    file: Path = typer.Argument(None, exists=True, dir_okay=False, help="Image or video."),
    signal_type: str = typer.Option(None, "--signal-type", help="pdq, md5, sha256, video_md5"),
    value: str = typer.Option(None, "--value", help="The hash to match."),
) -> None:
    """Match a file or one hash against the enabled banks; prints the matches as JSON.

    Nothing is recorded in the content ledger (this is an operator's question, not an upload).
    """
    if (file is None) == (value is None) or (value is not None and not signal_type):
        console.print("[red]give a FILE, or --signal-type and --value[/red]")
        raise typer.Exit(2)
    from takedown.index.service import load_index

    settings = get_settings()
    index = load_index(settings)
    try:
        if file is not None:
            from takedown.signals.service import hash_media

            hashed = hash_media(file.read_bytes(), settings=settings, filename=file.name)
            signals = [dict(s) for s in hashed.signals]
            outcome = flows.match_signals(
                index=index, settings=settings, signals=signals, media=hashed.media
            )
            answer: dict[str, object] = {
                "file": str(file),
                "media_type": str(getattr(hashed.media_type, "value", hashed.media_type)),
                "signals": signals,
            }
        else:
            outcome = flows.lookup(
                index=index, settings=settings, signal_type=signal_type, value=value or ""
            )
            answer = {"signal_type": signal_type, "value": value}
    except TakedownError as exc:
        raise refused(exc) from exc
    finally:
        index.close()
    answer.update(
        matches=[m.as_dict() for m in outcome.matches],
        verdict=outcome.verdict.value,
        notes=outcome.notes,
    )
    typer.echo(json.dumps(answer))
