"""Dates and times as a reporter reads them in their language: "7 de diciembre de 2026, 14:12"
in Spanish, "December 7, 2026, 2:12 PM" in English (CLDR's long date and short time, through
Babel). Times are in UTC, which the pages and emails say after them. A language Babel does not
know gets the ISO form ("2026-12-07 14:12"), which reads the same in every language."""

from __future__ import annotations

from datetime import UTC, datetime

from babel.dates import format_date, format_time

from takedown.i18n.catalogues import babel_locale


def _in_utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes: every stored time is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def reader_date(moment: datetime, language: str | None) -> str:
    """The day of `moment` (UTC) in `language`'s long form."""
    locale = babel_locale(language) if language else None
    if locale is None:
        return f"{_in_utc(moment):%Y-%m-%d}"
    return format_date(_in_utc(moment), "long", locale=locale)


def reader_datetime(moment: datetime, language: str | None) -> str:
    """The day and time of `moment` (UTC) in `language`: its long date and short time, joined
    as the language joins them."""
    locale = babel_locale(language) if language else None
    if locale is None:
        return f"{_in_utc(moment):%Y-%m-%d %H:%M}"
    time = format_time(_in_utc(moment), "short", tzinfo=UTC, locale=locale)
    joined = str(locale.datetime_formats.get("long", "{1} {0}"))
    return joined.replace("{1}", reader_date(moment, language)).replace("{0}", time)
