"""Which language a public page is shown in: a `?lang=` link (remembered in a cookie), else the
browser's Accept-Language, else TAKEDOWN_DEFAULT_LANGUAGE."""

from __future__ import annotations

import gettext
from dataclasses import dataclass

from fastapi import Request
from starlette.responses import Response

from takedown.i18n.catalogues import (
    default_language,
    language_name,
    languages,
    supported_language,
    translator,
)
from takedown.settings import Settings

LANGUAGE_COOKIE = "takedown_lang"
LANGUAGE_PARAMETER = "lang"
COOKIE_DAYS = 365


def accepted_languages(header: str) -> list[str]:
    """Accept-Language's tags, most wanted first ("q=0" ones dropped; ties keep their order)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, parameters = part.strip().partition(";")
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


def page_language(request: Request, settings: Settings, *, hint: str | None = None) -> str:
    """`hint`: a language the reader chose earlier (their report's), below a link or cookie."""
    candidates = [
        request.query_params.get(LANGUAGE_PARAMETER),
        request.cookies.get(LANGUAGE_COOKIE),
        hint,
        *accepted_languages(request.headers.get("accept-language", "")),
    ]
    for candidate in candidates:
        if (language := supported_language(candidate, settings)) is not None:
            return language
    return default_language(settings)


def remember_choice(request: Request, response: Response, settings: Settings) -> None:
    """A `?lang=` link followed: later pages (and the form's answer) keep that language."""
    chosen = supported_language(request.query_params.get(LANGUAGE_PARAMETER), settings)
    if chosen is not None and chosen != request.cookies.get(LANGUAGE_COOKIE):
        response.set_cookie(
            LANGUAGE_COOKIE,
            chosen,
            max_age=COOKIE_DAYS * 24 * 3600,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )


@dataclass(frozen=True)
class Reader:
    """Who a public page is rendered for: their language, its translations, and the others."""

    language: str
    translations: gettext.NullTranslations
    settings: Settings

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def language_links(self, path: str) -> list[tuple[str, str, str]]:
        """(tag, name in itself, link) of every other language, for `path`."""
        return [
            (code, language_name(code), f"{path}?{LANGUAGE_PARAMETER}={code}")
            for code in languages(self.settings)
            if code != self.language
        ]


def reader_of(request: Request, settings: Settings, *, hint: str | None = None) -> Reader:
    language = page_language(request, settings, hint=hint)
    return Reader(language, translator(language, settings), settings)
