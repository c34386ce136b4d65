"""Rule: behind a reverse proxy, `takedown serve --forwarded-allow-ips` names the proxies whose
X-Forwarded-For uvicorn trusts, so the sign-in and report limits count the client's address, not
the proxy's; without it uvicorn's own default (FORWARDED_ALLOW_IPS, else 127.0.0.1) holds."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize(
    ("options", "trusted"),
    [(["--forwarded-allow-ips", "10.0.0.5,10.0.0.6"], "10.0.0.5,10.0.0.6"), ([], None)],
)
def test_serve_takes_the_proxies_it_trusts(cli, monkeypatch, options, trusted) -> None:  # type: ignore[no-untyped-def]
    started: list[dict[str, Any]] = []
    monkeypatch.setattr("takedown.cli.serve.uvicorn.run", lambda app, **kw: started.append(kw))
    result = cli("serve", "--port", "8123", *options)
    assert result.exit_code == 0, result.output
    assert started[0]["forwarded_allow_ips"] == trusted
    assert started[0]["port"] == 8123
