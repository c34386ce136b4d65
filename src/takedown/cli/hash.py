"""`takedown hash FILE...`: one JSON line of signals per file, nothing stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from takedown.errors import MediaError, MediaTooLarge
from takedown.media import max_upload_bytes
from takedown.settings import get_settings
from takedown.signals.service import hash_media


def hash_files(
    files: list[Path] = typer.Argument(..., help="Images or videos to hash."),
) -> None:
    """Print each file's signals as a JSON line; a file that fails gets an "error" line."""
    settings = get_settings()
    failed = False
    for path in files:
        line: dict[str, Any] = {"file": str(path)}
        try:
            data = _read(path, max_upload_bytes(settings))
            result = hash_media(data, settings=settings, filename=path.name)
            line.update(media_type=result.media_type.value, signals=result.signals)
        except MediaError as exc:
            line["error"] = {"code": exc.code, "detail": exc.detail}
        except OSError as exc:
            line["error"] = {"code": "unreadable_file", "detail": exc.strerror or str(exc)}
        failed = failed or "error" in line
        typer.echo(json.dumps(line))
    if failed:
        raise typer.Exit(1)


def _read(path: Path, limit: int) -> bytes:
    if path.stat().st_size > limit:  # do not read a huge file just to refuse it
        raise MediaTooLarge(f"{path.name} is over the {limit} byte limit", code="file_too_large")
    return path.read_bytes()
