"""An entry added or disabled through one server process is matched (or no longer matched) by
another server process on the same database within 2 seconds, without a rebuild."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from takedown.settings import Settings
from tests.review_support import READY_SECONDS, free_port

FRESHNESS_SECONDS = 2.0


@pytest.fixture
def two_servers(settings: Settings, tmp_path: Path) -> Iterator[list[str]]:
    env = {
        **os.environ,
        "TAKEDOWN_DATABASE_URL": settings.resolved_database_url,
        "TAKEDOWN_DATA_DIR": str(settings.data_dir),
        "TAKEDOWN_RUN_BACKGROUND_JOBS": "true",
    }
    servers, urls = [], []
    for i in range(2):
        port = free_port()
        log = open(tmp_path / f"server{i}.log", "wb")  # noqa: SIM115 - closed with the process
        cmd = [sys.executable, "-m", "takedown.cli.main", "serve", "--port", str(port)]
        servers.append((subprocess.Popen(cmd, env=env, stdout=log, stderr=log), log))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for n, url in enumerate(urls):
            _wait_ready(url, tmp_path / f"server{n}.log")
        yield urls
    finally:
        for process, log in servers:
            process.terminate()
            process.wait(timeout=20)
            log.close()


def _wait_ready(url: str, log: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} never became ready:\n{log.read_text(errors='replace')}")


def _matched_entries(url: str, key: str, value: str) -> set[int]:
    response = httpx.get(
        f"{url}/v1/lookup",
        params={"signal_type": "pdq", "value": value},
        headers={"Authorization": f"Bearer {key}"},
        timeout=5,
    )
    response.raise_for_status()
    return {match["entry_id"] for match in response.json()["matches"]}


def _seconds_until(condition: Callable[[], bool], limit: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit + 3:
        if condition():
            return time.monotonic() - started
        time.sleep(0.05)
    return float("inf")


def test_add_and_disable_reach_the_other_process(
    two_servers: list[str], make_api_key: Callable[..., str]
) -> None:
    writer, reader = two_servers
    key = make_api_key("scan", "banks")
    auth = {"Authorization": f"Bearer {key}"}
    created = httpx.post(
        f"{writer}/v1/banks",
        json={"name": "fresh", "category": "csam", "action": "block", "threshold": 31},
        headers=auth,
    )
    assert created.status_code == 201, created.text
    banked = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
    near = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b2d"  # 3 bits away
    assert _matched_entries(reader, key, near) == set()

    added = httpx.post(
        f"{writer}/v1/banks/fresh/entries",
        json={"entries": [{"signal_type": "pdq", "value": banked}]},
        headers=auth,
    )
    assert added.status_code == 200, added.text
    (entry_id,) = added.json()["entry_ids"]
    seen_after = _seconds_until(
        lambda: entry_id in _matched_entries(reader, key, near), FRESHNESS_SECONDS
    )
    assert seen_after <= FRESHNESS_SECONDS

    disabled = httpx.post(f"{writer}/v1/banks/fresh/entries/{entry_id}/disable", headers=auth)
    assert disabled.status_code == 200, disabled.text
    gone_after = _seconds_until(
        lambda: entry_id not in _matched_entries(reader, key, near), FRESHNESS_SECONDS
    )
    assert gone_after <= FRESHNESS_SECONDS
