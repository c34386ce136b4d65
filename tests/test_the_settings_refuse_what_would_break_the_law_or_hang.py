"""Rule: a setting that would make Takedown break a rule it exists to keep is refused at start,
in words: evidence kept less than the year 18 U.S.C. 2258A(h) requires; appeals closed sooner than
the six months of DSA Art 20; a platform name longer than the CyberTipline API takes; a webhook
timeout longer than a delivery claim can cover. And a database host that takes the connection
but never answers is given up on within seconds, with the runbook's one-line error, not after
minutes."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from takedown.settings import get_settings


def said(result) -> str:  # type: ignore[no-untyped-def]
    return " ".join(result.output.split())


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TAKEDOWN_EVIDENCE_RETENTION_DAYS", "30"),
        ("TAKEDOWN_WEBHOOK_TIMEOUT_SECONDS", "90"),
        ("TAKEDOWN_APPEAL_WINDOW_DAYS", "30"),
        ("TAKEDOWN_ESP_NAME", "P" * 101),  # every CyberTipline report would leave it out
    ],
)
def test_a_setting_below_what_the_rules_need_is_refused_at_start(cli, monkeypatch, name, value):  # type: ignore[no-untyped-def]
    monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    result = cli("db", "upgrade")
    assert result.exit_code == 2, result.output
    assert f"a setting is not valid: {name}" in said(result)


def test_a_database_host_that_never_answers_is_given_up_on(cli, monkeypatch):  # type: ignore[no-untyped-def]
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # takes connections, never says a word
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(silent.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        port = silent.getsockname()[1]
        monkeypatch.setenv("TAKEDOWN_DATABASE_URL", f"postgresql://postgres@127.0.0.1:{port}/x")
        get_settings.cache_clear()
        started = time.monotonic()
        result = cli("apikey", "list")
        waited = time.monotonic() - started
        assert result.exit_code == 1, result.output
        assert "error: cannot reach the database" in said(result)
        assert accepted, "the connection reached the silent host"
        assert waited < 40  # one connect timeout (10 s) per try, not the system's minutes
    finally:
        stop.set()
        thread.join()
        silent.close()
        for connection in accepted:
            connection.close()
