"""`takedown serve`: run the API, console and background jobs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import typer
import uvicorn
from rich.console import Console

from takedown.cli.db import prepare_database
from takedown.cli.refusals import shown_database_url
from takedown.settings import get_settings

console = Console(stderr=True)
WORKER_START_SECONDS = 120


def listen_on(host: str | None, port: int | None) -> None:
    """--host/--port override TAKEDOWN_HOST/TAKEDOWN_PORT for this run, in this process and in
    the server processes it starts (they read the environment), so links to the server (the
    reporters' tracking pages, when TAKEDOWN_PUBLIC_BASE_URL is empty) name where it listens."""
    if host:
        os.environ["TAKEDOWN_HOST"] = host
    if port:
        os.environ["TAKEDOWN_PORT"] = str(port)
    if host or port:
        get_settings.cache_clear()


def share_metrics(directory: Path) -> None:
    """Several server processes: prometheus_client's multiprocess mode, so /metrics sums the
    counters of them all whichever process answers (takedown/metrics.py). The directory is
    emptied at start (files of processes before a restart would count twice); an operator's own
    PROMETHEUS_MULTIPROC_DIR is kept."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


def serve(
    host: str = typer.Option(None, help="Address to listen on (default TAKEDOWN_HOST)."),
    port: int = typer.Option(None, help="Port (default TAKEDOWN_PORT)."),
    workers: int = typer.Option(1, help="Server processes."),
    forwarded_allow_ips: str = typer.Option(
        None,
        "--forwarded-allow-ips",
        help="Behind a reverse proxy: the proxy addresses (comma-separated, or *) whose "
        "X-Forwarded-For and X-Forwarded-Proto are trusted for the client's address (default "
        "uvicorn's FORWARDED_ALLOW_IPS, else 127.0.0.1).",
    ),
) -> None:
    """Apply migrations, then serve the API, the console and the public report pages."""
    start_server(host, port, workers, forwarded_allow_ips)


def start_server(
    host: str | None, port: int | None, workers: int = 1, forwarded_allow_ips: str | None = None
) -> None:
    """`serve`, callable with plain values (`takedown demo`): a Typer command's defaults are
    Typer's Option objects, not values, when called as a function."""
    listen_on(host, port)
    settings = get_settings()
    host, port = settings.host, settings.port
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    prepare_database(settings)
    if workers > 1:
        share_metrics(settings.data_dir / "prometheus-multiproc")
    console.print(f"[green]Takedown[/green] listening on http://{host}:{port}  (docs: /docs)")
    console.print(f"database: {shown_database_url(settings.resolved_database_url)}")
    uvicorn.run(
        "takedown.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        forwarded_allow_ips=forwarded_allow_ips,  # None: uvicorn reads FORWARDED_ALLOW_IPS
        # A worker answers the supervisor's ping only once it has imported the app (about 12 s
        # on 2 loaded cores, more with a cold numba cache); uvicorn's 5 s killed and respawned
        # workers for minutes at start and after a crash.
        timeout_worker_healthcheck=WORKER_START_SECONDS,
    )
