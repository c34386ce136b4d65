"""Following ThreatExchange takes a privacy group (and optionally tags), nothing else: unknown or
ill-typed settings are refused, and the app token is the server's setting
(TAKEDOWN_THREATEXCHANGE_ACCESS_TOKEN), never a bank's, so a `banks` key cannot send it to an
address of its choosing. Without it a sync fails as NCMEC's and StopNCII's do
(`exchange_credentials_missing`); with a token the Graph API refuses, the failure is recorded on
the bank, and the token's secret appears in no error, audit entry or log line."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from takedown.audit.models import AuditEntry
from takedown.settings import Settings, get_settings
from takedown.store.db import session_scope
from tests.exchange_support import ThreatExchangeState, TxDescriptor, threatexchange_graph


def test_threatexchange_token_is_a_server_setting_never_bank_config(
    settings: Settings,
    cli: Callable[..., Any],
    client,  # type: ignore[no-untyped-def]
    auth_header: Callable[..., dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    banks = auth_header("banks")
    state = ThreatExchangeState()
    state.share("HASH_PDQ", "f" * 64, TxDescriptor())
    client.post(
        "/v1/banks", json={"name": "tx", "category": "csam", "action": "block"}, headers=banks
    )
    group = state.privacy_group
    for config in (
        {},
        {"privacy_group": str(group)},
        {"privacy_group": 0},
        {"privacy_group": group, "tags": "csam"},
        {"privacy_group": group, "access_token": state.token},
        {"privacy_group": group, "url": "https://elsewhere.example"},
    ):
        refused = client.put(
            "/v1/banks/tx/exchange",
            json={"exchange": "fb_threatexchange", "config": config},
            headers=banks,
        )
        assert refused.status_code == 422, (config, refused.text)
        assert refused.json()["code"] == "invalid_exchange_config"
    assert client.get("/v1/banks/tx/exchange", headers=banks).status_code == 404

    bad = cli("exchange", "follow", "tx", "--exchange", "fb_threatexchange", "--set", "tags=[1]")
    assert bad.exit_code == 1 and "invalid_exchange_config" in bad.output
    typed = cli(
        "exchange", "follow", "tx", "--exchange", "fb_threatexchange",
        "--set", f"privacy_group={group}", "--set", "tags=[1]",
    )  # fmt: skip
    assert typed.exit_code == 1  # and it says what is wrong:
    assert "tags must be list[str], not [1]" in " ".join(typed.output.split())
    followed = cli(
        "exchange",
        "follow",
        "tx",
        "--exchange",
        "fb_threatexchange",
        "--set",
        f"privacy_group={group}",
    )
    assert followed.exit_code == 0, followed.output
    assert client.get("/v1/banks/tx/exchange", headers=banks).json()["config"] == {
        "privacy_group": group
    }

    for token in ("", "not-an-app-token"):
        monkeypatch.setenv("TAKEDOWN_THREATEXCHANGE_ACCESS_TOKEN", token)
        get_settings.cache_clear()
        missing = cli("exchange", "sync", "tx")
        assert missing.exit_code == 1
        assert "exchange_credentials_missing" in missing.output
        assert "TAKEDOWN_THREATEXCHANGE_ACCESS_TOKEN" in missing.output
    status = client.get("/v1/banks/tx/exchange", headers=banks).json()
    assert (
        status["failures"] == 2 and "TAKEDOWN_THREATEXCHANGE_ACCESS_TOKEN" in status["last_error"]
    )

    wrong_secret = "wrong-but-well-formed-secret-4567"
    with threatexchange_graph(state) as url, caplog.at_level(logging.INFO):
        monkeypatch.setenv("TAKEDOWN_THREATEXCHANGE_URL", url)
        monkeypatch.setenv("TAKEDOWN_THREATEXCHANGE_ACCESS_TOKEN", f"{state.app_id}|{wrong_secret}")
        get_settings.cache_clear()
        refused_token = cli("exchange", "sync", "tx")
        assert refused_token.exit_code == 1
        assert "401" in refused_token.output and "OAuthException" in refused_token.output
        # The token travels in the URL; a dropped connection's error names the URL.
        unreachable = "http://127.0.0.1:9/v26.0"
        monkeypatch.setenv("TAKEDOWN_THREATEXCHANGE_URL", unreachable)
        get_settings.cache_clear()
        dropped = cli("exchange", "sync", "tx")
        assert dropped.exit_code == 1 and "ConnectionError" in dropped.output

        monkeypatch.setenv("TAKEDOWN_THREATEXCHANGE_URL", url)
        monkeypatch.setenv("TAKEDOWN_THREATEXCHANGE_ACCESS_TOKEN", state.token)
        get_settings.cache_clear()
        synced = cli("exchange", "sync", "tx")
        assert synced.exit_code == 0, synced.output
    assert state.requests[0]["access_token"] == f"{state.app_id}|{wrong_secret}"

    status = client.get("/v1/banks/tx/exchange", headers=banks).json()
    assert (status["failures"], status["last_error"], status["records"]) == (0, "", 1)
    with session_scope(settings.resolved_database_url) as db_session:
        failures = [
            str(entry.details)
            for entry in db_session.scalars(
                select(AuditEntry).where(AuditEntry.action == "bank.exchange.sync_failed")
            )
        ]
    assert len(failures) == 4 and "401" in failures[2]
    shown = [refused_token.output, dropped.output, caplog.text, *failures]
    unwrapped = [text.replace("\n", "") for text in shown]  # the console wraps long lines
    assert all(wrong_secret not in text and state.secret not in text for text in unwrapped)
