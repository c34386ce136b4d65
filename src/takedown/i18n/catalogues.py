"""gettext catalogues (.po) read with Babel and compiled in memory, so no .mo files are built or
committed: `translator(language)` is a `gettext` translations object for the server's lifetime.
"""

from __future__ import annotations

import functools
import gettext
import io
import re
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from takedown.settings import Settings

SOURCE_LANGUAGE = "en"
SHIPPED_DIR = Path(__file__).resolve().parent / "locales"
# A language tag as file name: "es", "pt-BR", "sr-Latn" (lower-cased when compared).
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def N_(message: str) -> str:
    """Mark `message` for translation where it is defined; it is translated where it is shown."""
    return message


@functools.cache  # catalogues are read once per process: a new one needs a restart
def _catalogue_files(folder: Path | None) -> dict[str, Path]:
    if folder is None or not folder.is_dir():
        return {}
    return {
        path.stem.lower(): path
        for path in sorted(folder.glob("*.po"))
        if LANGUAGE_TAG.match(path.stem)
    }


def languages(settings: Settings) -> list[str]:
    """Every language the public pages can be read in: English first, then by tag."""
    found = set(_catalogue_files(SHIPPED_DIR)) | set(_catalogue_files(settings.translations_dir))
    return [SOURCE_LANGUAGE, *sorted(found - {SOURCE_LANGUAGE})]


def supported_language(tag: str | None, settings: Settings) -> str | None:
    """The offered language that `tag` ("es-MX", "pt_BR", "ES") asks for, or None: the exact tag
    first, then its primary language ("es-MX" -> "es")."""
    if not tag:
        return None
    wanted = tag.strip().replace("_", "-").lower()
    offered = languages(settings)
    if wanted in offered:
        return wanted
    primary = wanted.split("-", 1)[0]
    return primary if primary in offered else None


def babel_locale(language: str) -> Locale | None:
    """Babel's locale for a language tag ("pt-BR"), or None where Babel does not know it."""
    try:
        return Locale.parse(language, sep="-")
    except (ValueError, UnknownLocaleError):
        return None


def default_language(settings: Settings) -> str:
    """TAKEDOWN_DEFAULT_LANGUAGE where it is offered, else English."""
    return supported_language(settings.default_language, settings) or SOURCE_LANGUAGE


@functools.cache
def language_name(language: str) -> str:
    """The language's name in itself ("español"), for the language links."""
    locale = babel_locale(language)
    return (locale.get_display_name(language) if locale else None) or language


@functools.cache
def text_direction(language: str) -> str:
    """ "rtl" for a language written right to left (Arabic, Hebrew, ...), else "ltr"."""
    locale = babel_locale(language)
    return str(locale.text_direction) if locale else "ltr"


def translator(language: str | None, settings: Settings) -> gettext.NullTranslations:
    """Translations into `language` (none given: the default language; an unknown one: the
    English text). An operator's catalogue is consulted first, then the shipped one."""
    operator_dir = str(settings.translations_dir or "")
    return _translator((language or default_language(settings)).lower(), operator_dir)


@functools.cache
def _translator(language: str, operator_dir: str) -> gettext.NullTranslations:
    files = [
        found
        for folder in (Path(operator_dir) if operator_dir else None, SHIPPED_DIR)
        if (found := _catalogue_files(folder).get(language)) is not None
    ]
    if not files:
        return gettext.NullTranslations()
    first, *rest = (_compiled(path) for path in files)
    for fallback in rest:
        first.add_fallback(fallback)
    return first


def read_catalogue(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _compiled(path: Path) -> gettext.GNUTranslations:
    buffer = io.BytesIO()
    write_mo(buffer, read_catalogue(path))  # fuzzy entries are left out, as msgfmt leaves them out
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)
