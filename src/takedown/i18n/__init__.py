"""What reporters read, in their language: the public pages, form errors and reporter emails.

English is the source language (each message's English text is its gettext msgid). Catalogues
are gettext .po files read with Babel: the shipped ones in `locales/`, and an operator's own in
TAKEDOWN_TRANSLATIONS_DIR, which add languages or reword shipped messages. The console and the
API stay in English.
"""

from takedown.i18n.catalogues import (
    N_,
    SOURCE_LANGUAGE,
    default_language,
    language_name,
    languages,
    supported_language,
    translator,
)

__all__ = [
    "N_",
    "SOURCE_LANGUAGE",
    "default_language",
    "language_name",
    "languages",
    "supported_language",
    "translator",
]
