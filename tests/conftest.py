"""Shared fixtures: a migrated database per test (SQLite always, PostgreSQL when
TAKEDOWN_TEST_DATABASE_URL is set), the app, an HTTP client, API keys, and the CLI."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from takedown import clock
from takedown.auth.service import create_api_key
from takedown.settings import Settings, get_settings, normalise_database_url
from takedown.store.db import dispose, session_scope
from takedown.store.migrate import upgrade
from tests.metrics_support import METRICS_TOKEN

PG_URL = os.environ.get("TAKEDOWN_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


def _pg_admin_url() -> str:
    return normalise_database_url(PG_URL)


def _pg_url_for(database: str) -> str:
    return make_url(_pg_admin_url()).set(database=database).render_as_string(hide_password=False)


def _pg_execute(sql: str) -> None:
    engine = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Migrate once per session; each test copies the migrated template (fast)."""
    templates: dict[str, str] = {}
    sqlite_path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{sqlite_path}")
    dispose(f"sqlite:///{sqlite_path}")
    templates["sqlite"] = str(sqlite_path)
    if PG_URL:
        name = f"takedown_tmpl_{uuid.uuid4().hex[:10]}"
        _pg_execute(f'CREATE DATABASE "{name}"')
        upgrade(_pg_url_for(name))
        dispose(_pg_url_for(name))
        templates["postgresql"] = name
    yield templates
    if PG_URL:
        _pg_execute(f'DROP DATABASE IF EXISTS "{templates["postgresql"]}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, _templates: dict[str, str], tmp_path: Path
) -> Iterator[str]:
    """A fresh, fully migrated database for one test."""
    if request.param == "sqlite":
        path = tmp_path / "takedown.db"
        shutil.copyfile(_templates["sqlite"], path)
        url = f"sqlite:///{path}"
        yield url
        dispose(url)
        return
    name = f"takedown_t_{uuid.uuid4().hex[:12]}"
    _pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{_templates["postgresql"]}"')
    url = _pg_url_for(name)
    yield url
    dispose(url)
    _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def _gauges_count_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's first job run counts the final states from its own database: the gauges are
    process-wide, and a server counts them once a minute (takedown.metrics.final_states_due)."""
    from takedown import metrics

    monkeypatch.setattr(metrics, "_final_counts", {})


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        run_background_jobs=False,
        public_base_url="http://testserver",
        # Sampling is random; tests of quality checks set it to 100.
        quality_sample_percent=0,
        metrics_token=METRICS_TOKEN,
    )


@pytest.fixture
def app(settings: Settings):  # type: ignore[no-untyped-def]
    from takedown.api.app import create_app

    return create_app(settings)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as test_client:
        yield test_client
    clock.reset()


@pytest.fixture
def make_api_key(settings: Settings) -> Callable[..., str]:
    """make_api_key("scan", "banks") -> a plain bearer key with those scopes."""

    def make(*scopes: str, name: str = "test platform") -> str:
        with session_scope(settings.resolved_database_url) as db_session:
            _, key = create_api_key(db_session=db_session, name=name, scopes=list(scopes))
        return key

    return make


@pytest.fixture
def auth_header(make_api_key: Callable[..., str]) -> Callable[..., dict[str, str]]:
    def header(*scopes: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {make_api_key(*scopes)}"}

    return header


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point the in-process CLI (and any subprocess) at this test's database."""
    env = {
        "TAKEDOWN_DATABASE_URL": settings.resolved_database_url,
        "TAKEDOWN_DATA_DIR": str(settings.data_dir),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    # `takedown demo` and `serve` set these for the servers they start (`serve --workers N`:
    # prometheus_client's multiprocess mode); recorded here so they are undone afterwards.
    for started_with in (
        "TAKEDOWN_CONSOLE_TWO_FACTOR",
        "TAKEDOWN_HOST",
        "TAKEDOWN_PORT",
        "PROMETHEUS_MULTIPROC_DIR",
    ):
        monkeypatch.setenv(started_with, "")
        monkeypatch.delenv(started_with)
    get_settings.cache_clear()
    yield env
    get_settings.cache_clear()


@pytest.fixture
def cli(cli_env: dict[str, str]) -> Callable[..., object]:
    """cli("bank", "list") runs the real Typer app in-process and returns the Result."""
    from takedown.cli.main import app as cli_app

    runner = CliRunner()

    def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(cli_app, list(args), input=input, catch_exceptions=False)

    return run


@pytest.fixture
def mail(settings: Settings, app):  # type: ignore[no-untyped-def]
    """A local SMTP server the app sends to: (its settings, the inbox)."""
    from tests.reports_support import smtp_server

    with smtp_server() as (inbox, port):
        configured = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
        app.state.settings = configured
        yield configured, inbox
