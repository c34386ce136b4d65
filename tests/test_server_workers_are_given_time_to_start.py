"""Rule: `takedown serve --workers N` gives each server process time to import the app before
uvicorn's supervisor counts it as hung. A worker answers the supervisor only once the import is
done (about 12 s on two loaded cores); with uvicorn's default of 5 s, workers were killed and
started again for minutes at start and after a crash (found by a crash test with `kill -9`)."""

from __future__ import annotations

from typing import Any


def test_server_workers_are_given_time_to_start(cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    started: list[dict[str, Any]] = []
    monkeypatch.setattr("takedown.cli.serve.uvicorn.run", lambda app, **kw: started.append(kw))
    result = cli("serve", "--port", "8124", "--workers", "2")
    assert result.exit_code == 0, result.output
    assert started[0]["workers"] == 2
    assert started[0]["timeout_worker_healthcheck"] >= 60
