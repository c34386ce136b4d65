"""`takedown serve`: run the API, console and background jobs."""

from __future__ import annotations

import typer
import uvicorn
from rich.console import Console

from takedown.settings import get_settings
from takedown.store.migrate import upgrade

console = Console(stderr=True)


def serve(
    host: str = typer.Option(None, help="Address to listen on (default TAKEDOWN_HOST)."),
    port: int = typer.Option(None, help="Port (default TAKEDOWN_PORT)."),
    workers: int = typer.Option(1, help="Server processes."),
) -> None:
    """Apply migrations, then serve the API, the console and the public report pages."""
    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    console.print(f"[green]Takedown[/green] listening on http://{host}:{port}  (docs: /docs)")
    console.print(f"database: {settings.resolved_database_url}")
    uvicorn.run(
        "takedown.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )
