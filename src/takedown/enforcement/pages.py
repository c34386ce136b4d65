"""Rendering for enforcement, accounts and evidence console pages.

They extend "console/base.html"; the shared environment (web.templating) lists only the concerns
that existed when it was written, so these pages use an environment that adds their own folders.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, PrefixLoader, select_autoescape

PACKAGE_DIR = Path(__file__).resolve().parent.parent
CONCERNS = ("web", "console", "enforcement", "accounts", "evidence")

templates = Jinja2Templates(
    env=Environment(
        loader=PrefixLoader(
            {name: FileSystemLoader(PACKAGE_DIR / name / "templates") for name in CONCERNS}
        ),
        autoescape=select_autoescape(default=True),
    )
)


def render(request: Request, name: str, context: dict[str, Any]) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context)
