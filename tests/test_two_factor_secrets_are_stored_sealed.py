"""Two-factor secrets are stored sealed: the users table never holds a TOTP secret a copy of the
database could make codes with. Secrets an earlier version stored in clear are sealed when the
server's migrations run; a server whose keys open none of the secrets refuses to start; a key
change keeps everyone's enrolment (old key retired, `takedown user reseal-two-factor`)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select, update

from takedown import clock
from takedown.audit.models import AuditEntry
from takedown.auth.models import User
from takedown.settings import Settings, get_settings
from takedown.store.db import session_scope
from tests.review_support import make_user
from tests.test_console_sign_in_takes_a_second_factor import (
    _enrolled,
    _enter,
    _password_step,
    _sign_out,
    _signed_in,
)


def _stored_secret(settings: Settings, username: str = "alice") -> str:
    with session_scope(settings.resolved_database_url) as db_session:
        stored = db_session.scalar(select(User.two_factor_secret).where(User.username == username))
    assert stored is not None
    return stored


def _signs_in_with(client: TestClient, code: str) -> bool:
    assert _password_step(client).headers["location"] == "/console/login/code"
    return _enter(client, "/console/login/code", code).status_code == 303 and _signed_in(client)


@pytest.fixture
def server_env(cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Set (or clear) the two-factor key settings the CLI reads."""

    def set_keys(key: str = "", retired: str = "") -> None:
        monkeypatch.setenv("TAKEDOWN_TWO_FACTOR_KEY", key)
        monkeypatch.setenv("TAKEDOWN_TWO_FACTOR_RETIRED_KEYS", retired)
        get_settings.cache_clear()

    yield set_keys
    get_settings.cache_clear()


def test_two_factor_secrets_are_stored_sealed(client, settings):
    make_user(settings, "alice", "child_safety_reviewer")
    authenticator, _ = _enrolled(client)
    stored = _stored_secret(settings)
    assert authenticator.secret not in stored
    assert authenticator.secret.lower() not in stored.lower()
    assert stored.startswith("gAAAAA")  # a Fernet token
    _sign_out(client)
    clock.advance(timedelta(seconds=31))
    assert _signs_in_with(client, authenticator.code())
    # The set-up page of someone not yet enrolled shows the secret: it comes out of the seal.
    make_user(settings, "bob", "reviewer")
    _sign_out(client)
    _password_step(client, "bob")
    page = client.get("/console/login/setup")
    assert _stored_secret(settings, "bob") not in page.text
    assert "data-secret>" in page.text


def test_secrets_stored_in_clear_by_an_earlier_version_are_sealed_at_start(
    client, settings, cli, server_env
):
    make_user(settings, "alice", "child_safety_reviewer")
    authenticator, _ = _enrolled(client)
    _sign_out(client)
    with session_scope(settings.resolved_database_url) as db_session:  # as 0021 and before kept it
        db_session.execute(
            update(User)
            .where(User.username == "alice")
            .values(two_factor_secret=authenticator.secret)
        )
    server_env()
    result = cli("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "sealed 1 two-factor secret" in result.output
    assert _stored_secret(settings).startswith("gAAAAA")
    clock.advance(timedelta(seconds=31))
    assert _signs_in_with(client, authenticator.code())
    assert cli("db", "upgrade").exit_code == 0  # nothing left in clear: says nothing of sealing


def test_a_server_whose_key_opens_no_secret_refuses_to_start(client, settings, cli, server_env):
    make_user(settings, "alice", "child_safety_reviewer")
    _enrolled(client)  # sealed under the key generated in data_dir
    _sign_out(client)
    new_key = Fernet.generate_key().decode()

    server_env(key=new_key)
    refused = cli("db", "upgrade")
    assert refused.exit_code == 1
    assert "TAKEDOWN_TWO_FACTOR_KEY" in refused.output and "alice" in refused.output

    server_env(key="not a key")
    assert cli("db", "upgrade").exit_code == 1


def test_a_key_change_keeps_every_enrolment(client, settings, cli, server_env):
    make_user(settings, "alice", "child_safety_reviewer")
    authenticator, _ = _enrolled(client)
    _sign_out(client)
    before = _stored_secret(settings)
    generated = base64.urlsafe_b64encode((settings.data_dir / "two-factor.key").read_bytes())
    new_key = Fernet.generate_key().decode()

    server_env(key=new_key, retired=generated.decode())
    assert cli("db", "upgrade").exit_code == 0  # the retired key still opens the secret
    resealed = cli("user", "reseal-two-factor")
    assert resealed.exit_code == 0, resealed.output
    assert _stored_secret(settings) != before

    server_env(key=new_key)  # the retired key is gone: everything opens with the new one
    assert cli("db", "upgrade").exit_code == 0
    from takedown.api.app import create_app

    clock.advance(timedelta(seconds=31))
    rekeyed = settings.model_copy(update={"two_factor_key": SecretStr(new_key)})
    with TestClient(create_app(rekeyed)) as new_server:
        assert _signs_in_with(new_server, authenticator.code())
    with session_scope(settings.resolved_database_url) as db_session:
        actions = db_session.scalars(
            select(AuditEntry.action).where(AuditEntry.action == "user.two_factor_resealed")
        ).all()
    assert actions == ["user.two_factor_resealed"]
