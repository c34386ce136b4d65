"""How a refused command says why: one line on standard error, `error (<code>): <detail>`, with
the detail escaped for Rich (details quote values such as `list[str]` or `[1, 2]`, which Rich
would otherwise take for markup and drop)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

from takedown.errors import TakedownError

errors = Console(stderr=True)


def refused(exc: TakedownError, exit_code: int = 1) -> typer.Exit:
    """Print why `exc` refused the command; the Exit to raise."""
    errors.print(f"[red]error[/red] ({exc.code}): {escape(exc.detail)}")
    return typer.Exit(exit_code)
