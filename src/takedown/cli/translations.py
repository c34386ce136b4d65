"""`takedown translations list|new|update|check`: the languages of the report form, the
tracking page and reporter emails (i18n/)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from takedown.cli.refusals import refused
from takedown.errors import Conflict, InvalidInput
from takedown.i18n import default_language, language_name, languages
from takedown.i18n.catalogues import LANGUAGE_TAG, SHIPPED_DIR, SOURCE_LANGUAGE
from takedown.i18n.extraction import (
    catalogue_problems,
    new_catalogue,
    source_messages,
    update_catalogue,
)
from takedown.settings import get_settings

app = typer.Typer(help="Languages of the public pages and reporter emails.", no_args_is_help=True)
console = Console()
FOLDER_HELP = "Folder of catalogues (default: TAKEDOWN_TRANSLATIONS_DIR, else the shipped ones)."


def _folder(folder: Path | None) -> Path:
    return folder or get_settings().translations_dir or SHIPPED_DIR


@app.command("list")
def list_languages() -> None:
    """The languages readers can choose, and which is the default."""
    settings = get_settings()
    table = Table("language", "name", "default")
    for code in languages(settings):
        default = "yes" if code == default_language(settings) else ""
        table.add_row(code, language_name(code), default)
    console.print(table)


@app.command()
def new(
    language: str = typer.Argument(..., help="A language tag: es, pt-BR, ..."),
    folder: Path = typer.Option(None, "--dir", help=FOLDER_HELP),
) -> None:
    """Start a catalogue for LANGUAGE holding every message to translate."""
    target = _folder(folder)
    if not LANGUAGE_TAG.match(language) or language.lower() == SOURCE_LANGUAGE:
        raise refused(
            InvalidInput(f"{language!r} is not a language tag to add (for example es, pt-BR)")
        )
    if (target / f"{language}.po").exists():
        raise refused(
            Conflict(f"{target / language}.po exists: `takedown translations update` refreshes it")
        )
    path = new_catalogue(language, target)
    console.print(f"Wrote {path}: translate each msgstr, then `takedown translations check`.")


@app.command()
def update(folder: Path = typer.Option(None, "--dir", help=FOLDER_HELP)) -> None:
    """Bring every catalogue in the folder up to the current messages (new ones untranslated,
    changed ones marked fuzzy)."""
    template = source_messages()
    for path in sorted(_folder(folder).glob("*.po")):
        update_catalogue(path, template)
        console.print(f"Updated {path}")


@app.command()
def check(folder: Path = typer.Option(None, "--dir", help=FOLDER_HELP)) -> None:
    """Exit 1 and list every message a catalogue leaves untranslated or translates unsafely."""
    template = source_messages()
    paths = sorted(_folder(folder).glob("*.po"))
    problems = [problem for path in paths for problem in catalogue_problems(path, template)]
    for problem in problems:
        console.print(problem, markup=False, soft_wrap=True)
    if problems:
        raise typer.Exit(1)
    console.print(f"{len(paths)} catalogue(s) translate all {len(template)} messages.")
