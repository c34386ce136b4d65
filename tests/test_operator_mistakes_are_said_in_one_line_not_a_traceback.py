"""An operator's mistake in the configuration, or about the database it names, is said in one
line with the exit code the runbook gives (docs/operations.md): a database that does not answer,
a URL that names none, a database a newer version migrated, a setting or key that does not parse.
The database's password never reaches the output (it goes to logs)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from takedown.settings import get_settings
from takedown.store.db import session_scope

UNREACHABLE = "postgresql://takedown:s3cret-pw@127.0.0.1:1/takedown"


def said(result) -> str:  # type: ignore[no-untyped-def]
    return " ".join(result.output.split())  # the words, however the terminal wraps them


def run_with(cli, monkeypatch, name: str, value: str, *args: str):  # type: ignore[no-untyped-def]
    monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return cli(*args)


@pytest.mark.parametrize("command", [("db", "upgrade"), ("apikey", "list"), ("audit", "verify")])
def test_a_database_that_does_not_answer_is_named_without_its_password(cli, monkeypatch, command):
    result = run_with(cli, monkeypatch, "TAKEDOWN_DATABASE_URL", UNREACHABLE, *command)
    assert result.exit_code == 1
    assert "error: cannot reach the database" in said(result)
    assert "127.0.0.1:1/takedown" in said(result)
    assert "s3cret-pw" not in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("url", ["not a url", "mysql://takedown@localhost/takedown"])
def test_a_url_that_names_no_database_takedown_drives_exits_2(cli, monkeypatch, url):
    result = run_with(cli, monkeypatch, "TAKEDOWN_DATABASE_URL", url, "db", "upgrade")
    assert result.exit_code == 2
    assert "is not a database Takedown can use" in said(result)


def test_a_setting_that_does_not_parse_is_named(cli, monkeypatch):
    result = run_with(cli, monkeypatch, "TAKEDOWN_PORT", "eighty", "apikey", "list")
    assert result.exit_code == 2
    assert "a setting is not valid: TAKEDOWN_PORT" in said(result)


def test_a_database_a_newer_version_migrated_is_refused_in_words(cli, settings):
    with session_scope(settings.resolved_database_url) as db_session:
        db_session.execute(text("UPDATE alembic_version SET version_num = '0999_from_the_future'"))
    result = cli("db", "upgrade")
    assert result.exit_code == 1
    assert "at a migration this version of Takedown does not have" in said(result)
    assert "0999_from_the_future" in said(result)
    assert "restore the backup taken before the upgrade" in said(result)


def test_db_upgrade_names_the_database_without_its_password(cli, settings, monkeypatch):
    if not settings.resolved_database_url.startswith("postgresql"):
        pytest.skip("SQLite URLs carry no password")
    from sqlalchemy.engine import make_url

    with_password = make_url(settings.resolved_database_url).set(password="s3cret-pw")
    url = with_password.render_as_string(hide_password=False)
    result = run_with(cli, monkeypatch, "TAKEDOWN_DATABASE_URL", url, "db", "upgrade")
    assert "database is up to date" in said(result), result.output
    assert "s3cret-pw" not in result.output


@pytest.mark.parametrize("key", ["not-base64!", "c2hvcnQ="])  # the second: 5 bytes, not 32
def test_an_audit_signing_key_that_is_no_key_is_named(cli, monkeypatch, key):
    result = run_with(cli, monkeypatch, "TAKEDOWN_AUDIT_SIGNING_KEY", key, "audit", "public-key")
    assert result.exit_code == 1
    assert "TAKEDOWN_AUDIT_SIGNING_KEY (base64 of a 32-byte seed) holds no Ed25519 key" in (
        said(result)
    )


def test_an_audit_signing_key_file_cut_short_is_named(cli, settings):
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "audit-signing.key").write_bytes(b"\x01" * 20)  # a seed is 32
    result = cli("audit", "public-key")
    assert result.exit_code == 1
    assert f"{settings.data_dir / 'audit-signing.key'} (a 32-byte seed) holds no Ed25519 key" in (
        said(result)
    )


def test_a_checkpoints_file_that_does_not_exist_is_the_operators_mistake(cli, settings, tmp_path):
    missing = tmp_path / "witness-copy.jsonl"
    result = cli("audit", "verify", "--checkpoints", str(missing))
    assert result.exit_code == 2  # a usage error, not "the log changed" (exit 1)
    assert "does not exist" in said(result) and "Traceback" not in result.output
