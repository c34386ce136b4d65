"""The one Jinja2 environment for every server-rendered page (public pages and the console).

Templates are named `<concern>/<file>`: "web/base.html", "reports/form.html",
"console/queue.html". Each concern keeps its templates in its own `templates/` folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, PrefixLoader, select_autoescape

PACKAGE_DIR = Path(__file__).resolve().parent.parent
STATIC_DIR = Path(__file__).resolve().parent / "static"


def _environment() -> Environment:
    # Every concern with a templates/ folder serves its pages under its own prefix.
    loader = PrefixLoader(
        {folder.parent.name: FileSystemLoader(folder) for folder in PACKAGE_DIR.glob("*/templates")}
    )
    return Environment(loader=loader, autoescape=select_autoescape(default=True))


templates = Jinja2Templates(env=_environment())

# Every rendered page is private to its viewer (tracking links, console): not cached by shared
# caches, not framed by other sites (clickjacking the appeal or decision forms), no referrer leak.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render `name` (e.g. "reports/form.html") with the request in its context."""
    return templates.TemplateResponse(
        request, name, context or {}, status_code=status_code, headers=PAGE_HEADERS
    )


def install(app: FastAPI) -> None:
    """Serve the shared CSS (and any other static files) under /static."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
