"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
from sqlalchemy import text

from takedown.errors import NotFound, Unauthorized
from takedown.metrics import database_gauge
from takedown.store.db import engine_for

router = APIRouter(tags=["operations"])

# The gauges read from the database keep their last values while it does not answer: this one
# says whether they are current (alert on it being 0).
DATABASE_UP = database_gauge(
    "takedown_database_up",
    "1 if the database answered when /metrics was scraped, else 0 (the figures read from the "
    "database then hold their last values).",
)


def database_answers(url: str) -> bool:
    try:
        with engine_for(url).connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


def data_dir_writable(data_dir: Path) -> bool:
    """Whether a file can be written in the data directory: reports' uploads, evidence and
    checkpoints go there, and a read-only or full disk fails them (500s) while all else works."""
    probe = Path(data_dir) / f".ready-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        with open(probe, "xb") as handle:
            handle.write(b"ready")
        probe.unlink()
        return True
    except OSError:
        return False


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request, response: Response) -> dict[str, object]:
    settings = request.app.state.settings
    checks = {
        "database": database_answers(settings.resolved_database_url),
        "data_dir": data_dir_writable(settings.data_dir),
    }
    index = getattr(request.app.state, "index", None)
    checks["index"] = bool(index is not None and index.ready)
    ready = all(checks.values())
    response.status_code = 200 if ready else 503
    return {"ready": ready, "checks": checks}


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """This process's metrics; with several server processes (PROMETHEUS_MULTIPROC_DIR, set by
    `takedown serve --workers N`), those of them all (takedown/metrics.py). Only for a scraper
    with `TAKEDOWN_METRICS_TOKEN`, or, without one set, a client on this machine: counts of
    watching cases, index entries and uploads found move when a report's picture matches, and
    would tell anyone who reports one."""
    ensure_may_scrape(request)
    DATABASE_UP.set(database_answers(request.app.state.settings.resolved_database_url))
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


LOOPBACK = frozenset({"127.0.0.1", "::1"})


def ensure_may_scrape(request: Request) -> None:
    token = request.app.state.settings.metrics_token
    if not token:
        if (request.client.host if request.client else "") not in LOOPBACK:
            raise NotFound("nothing here", code="not_found")
        return
    sent = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(sent.encode(), token.encode()):
        raise Unauthorized("send the metrics token as a bearer token", code="metrics_token")
