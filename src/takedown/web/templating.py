"""The one Jinja2 environment for every server-rendered page (public pages and the console).

Templates are named `<concern>/<file>`: "web/base.html", "reports/form.html",
"console/queue.html". Each concern keeps its templates in its own `templates/` folder.
"""

from __future__ import annotations

import gettext
import re
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, PrefixLoader, pass_context, select_autoescape
from markupsafe import Markup, escape

from takedown import clock
from takedown.i18n.catalogues import text_direction
from takedown.i18n.dates import reader_date, reader_datetime
from takedown.i18n.negotiation import Reader, remember_choice

PACKAGE_DIR = Path(__file__).resolve().parent.parent
STATIC_DIR = Path(__file__).resolve().parent / "static"


def _environment() -> Environment:
    # Every concern with a templates/ folder serves its pages under its own prefix.
    loader = PrefixLoader(
        {folder.parent.name: FileSystemLoader(folder) for folder in PACKAGE_DIR.glob("*/templates")}
    )
    environment = Environment(
        loader=loader, autoescape=select_autoescape(default=True), extensions=["jinja2.ext.i18n"]
    )
    # `{% trans %}` and `_()` translate into the language of the page being rendered.
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda message: _page_translations.get().gettext(message),
        ngettext=lambda one, many, n: _page_translations.get().ngettext(one, many, n),
        newstyle=True,
    )
    environment.policies["ext.i18n.trimmed"] = True
    environment.filters["time_left"] = time_left
    environment.filters["age"] = age
    environment.filters["link_cases"] = link_cases
    environment.filters["when"] = when
    environment.filters["day"] = day
    return environment


# A public page's dates are written in its reader's language (`language`, set by `render`);
# a time from an API answer arrives as its RFC 3339 text.
@pass_context
def when(context: Any, moment: datetime | str) -> str:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return reader_datetime(moment, context.get("language"))


@pass_context
def day(context: Any, moment: datetime) -> str:
    return reader_date(moment, context.get("language"))


CASE_REFERENCE = re.compile(r"\bcase_[0-9a-z]{26}\b")


def link_cases(text: str) -> Markup:
    """Text Takedown wrote (an explanation naming the case it came from), escaped, with each
    case reference a link to its console page."""
    return Markup(
        CASE_REFERENCE.sub(
            lambda m: f'<a href="/console/cases/{m.group(0)}">{m.group(0)}</a>', str(escape(text))
        )
    )


def time_left(moment: datetime) -> str:
    """A deadline as a reviewer reads it at a glance: "in 45 min", "in 5 h 10 min", "in 3 days",
    "2 h 5 min overdue"."""
    seconds = (moment - clock.now()).total_seconds()
    return f"in {_span(seconds)}" if seconds >= 0 else f"{_span(seconds)} overdue"


def age(moment: datetime) -> str:
    """How long ago, at a glance: "45 min", "5 h 10 min", "3 days"."""
    return _span((clock.now() - moment).total_seconds())


def _span(seconds: float) -> str:
    minutes = int(abs(seconds) // 60)
    hours, rest = divmod(minutes, 60)
    if hours >= 48:
        return f"{hours // 24} days"
    if hours:
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    return f"{max(minutes, 1)} min"


# Set around each render (TemplateResponse renders at once, in the calling thread).
_ENGLISH = gettext.NullTranslations()
_page_translations: ContextVar[gettext.NullTranslations] = ContextVar(
    "page_translations", default=_ENGLISH
)


templates = Jinja2Templates(env=_environment())

# Every rendered page is private to its viewer (tracking links, console): not cached by shared
# caches, not framed by other sites (clickjacking the appeal or decision forms), no referrer leak.
# Pages run only this server's own scripts and styles (no inline code, no eval): an injected
# script could not run on the page where a victim reports or a reviewer decides. Revealed
# originals are data: URLs; the form's video fingerprints read the file through a blob: URL.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self' blob:",
        "worker-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
    *,
    reader: Reader | None = None,
) -> HTMLResponse:
    """Render `name` (e.g. "reports/form.html") with the request in its context.

    With a `reader` (the public pages), the page is in their language and links to the others;
    without, in English (the console).
    """
    context = dict(context or {})
    headers = dict(PAGE_HEADERS)
    if reader is not None:
        context["language"] = reader.language
        context["direction"] = text_direction(reader.language)
        context["quick_exit_url"] = reader.settings.quick_exit_url
        # A page shown in answer to a POST names the page to reload instead (the posted URL
        # takes no GET); a form re-shown after its own POST reloads at its own URL.
        context["language_links"] = reader.language_links(
            context.get("language_path") or request.url.path
        )
        headers["Content-Language"] = reader.language
    token = _page_translations.set(reader.translations if reader is not None else _ENGLISH)
    try:
        response = templates.TemplateResponse(
            request, name, context, status_code=status_code, headers=headers
        )
    finally:
        _page_translations.reset(token)
    if reader is not None:
        remember_choice(request, response, reader.settings)
    return response


def install(app: FastAPI) -> None:
    """Serve the shared CSS (and any other static files) under /static."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
