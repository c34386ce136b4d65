"""The messages to translate, found in the source with Babel (as `pybabel extract` finds them):
`_()`, `gettext()`, `ngettext()` and `N_()` in Python, `_()` and `{% trans %}` in templates.

`takedown translations update` writes them into every catalogue of a folder (the shipped ones by
default); the test suite checks that each shipped catalogue translates all of them.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

from takedown.i18n.catalogues import babel_locale, read_catalogue

PACKAGE_DIR = Path(__file__).resolve().parent.parent
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"trimmed": "true"}}  # as the server renders them
PLACEHOLDER_NAME = re.compile(r"%\((\w+)\)s")
TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*")


def source_messages() -> Catalog:
    """Every translatable message in the package, with where it is used."""
    catalogue = Catalog(project="Takedown", fuzzy=False)
    for filename, line, message, comments, context in extract_from_dir(
        PACKAGE_DIR, METHODS, OPTIONS, strip_comment_tags=True
    ):
        catalogue.add(message, None, [(filename, line)], auto_comments=comments, context=context)
    return catalogue


def _tags(text: str) -> list[str]:
    return sorted(TAG.findall(text))


def _translations(message: Message) -> list[str]:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return [str(s or "") for s in strings]


def catalogue_problems(path: Path, template: Catalog | None = None) -> list[str]:
    """Why the catalogue at `path` cannot stand in for English: a message missing, untranslated
    or fuzzy, or a translation that drops or invents a placeholder or an HTML tag, or that is
    not a valid %-format (pages format every message, so a lone "%" must be written "%%")."""
    template = template or source_messages()
    catalogue = read_catalogue(path)
    problems = []
    for wanted in template:
        if not wanted.id:
            continue
        ids = tuple(map(str, wanted.id)) if isinstance(wanted.id, tuple | list) else (wanted.id,)
        found = catalogue.get(wanted.id, wanted.context)
        label = f"{path.name}: {ids[0]!r}"
        if found is None or not all(_translations(found)):
            problems.append(f"{label}: not translated")
            continue
        if found.fuzzy:
            problems.append(f"{label}: marked fuzzy (check it, then remove the mark)")
        names = _placeholder_names(ids)
        for translation in _translations(found):
            used = set(PLACEHOLDER_NAME.findall(translation))
            # A plural form may spell its number out ("one copy"); a singular keeps every name.
            if used - names or (len(ids) == 1 and used != names):
                problems.append(f"{label}: placeholders differ in {translation!r}")
            if _tags(translation) != _tags(ids[0]):
                problems.append(f"{label}: HTML tags differ in {translation!r}")
            try:
                translation % dict.fromkeys(names, "x")
            except (ValueError, KeyError, TypeError):
                problems.append(f"{label}: not a valid %-format: {translation!r}")
    return problems


def _placeholder_names(ids: tuple[str, ...]) -> set[str]:
    return {name for text in ids for name in PLACEHOLDER_NAME.findall(text)}


def update_catalogue(path: Path, template: Catalog | None = None) -> None:
    """Bring the catalogue at `path` up to the source's messages: new ones added untranslated,
    changed ones kept as fuzzy suggestions, unused ones dropped."""
    template = template or source_messages()
    catalogue = read_catalogue(path)
    catalogue.update(template)
    with path.open("wb") as handle:
        write_po(handle, catalogue, width=100, ignore_obsolete=True, sort_by_file=True)


def new_catalogue(language: str, folder: Path, template: Catalog | None = None) -> Path:
    """`<folder>/<language>.po` with every message to translate, and the language's plural
    rule where Babel knows the language."""
    template = template or source_messages()
    catalogue = Catalog(locale=babel_locale(language), project="Takedown", fuzzy=False)
    catalogue.update(template)
    path = folder / f"{language}.po"
    folder.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalogue, width=100, sort_by_file=True)
    return path
