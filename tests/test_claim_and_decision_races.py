"""Concurrent claims and decisions on one case, against a real server: exactly one claim wins,
and a violating decision racing a no_violation never leaves the case less than acted on."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from takedown.settings import Settings
from tests.review_support import (
    free_port,
    make_user,
    run_server,
    server_env,
    staff_headers,
    stop_server,
)

ROUNDS = 4


@pytest.fixture
def live(settings: Settings, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = server_env(settings.resolved_database_url, tmp_path / "srv", port)
    process = run_server(env, tmp_path / "server.log")
    try:
        yield env["TAKEDOWN_PUBLIC_BASE_URL"]
    finally:
        stop_server(process)


def _at_once(http: httpx.Client, *requests: tuple[str, dict, dict | None]) -> list[httpx.Response]:
    """POST (url, headers, json) requests released together by a barrier."""
    barrier = threading.Barrier(len(requests))

    def run(url: str, headers: dict, body: dict | None) -> httpx.Response:
        barrier.wait()
        return http.post(url, headers=headers, json=body)

    with ThreadPoolExecutor(len(requests)) as pool:
        futures = [pool.submit(run, *request) for request in requests]
        return [future.result() for future in futures]


def test_concurrent_claims_and_decisions(live: str, client, settings: Settings) -> None:
    make_user(settings, "alice", "child_safety_reviewer")
    make_user(settings, "bob", "child_safety_reviewer")
    alice = staff_headers(client, settings, "alice")
    bob = staff_headers(client, settings, "bob")
    with httpx.Client(base_url=live, timeout=60) as http:
        for round_ in range(ROUNDS):
            case_id = http.post(
                "/v1/reports",
                json={"category": "child_sexual_exploitation", "content_id": f"r{round_}"},
            ).json()["case_id"]
            url = f"/v1/cases/{case_id}/claim"
            claims = _at_once(http, (url, alice, None), (url, bob, None))
            assert sorted(a.status_code for a in claims) == [200, 409], [a.text for a in claims]

        for round_ in range(ROUNDS):
            case_id = http.post(
                "/v1/reports",
                json={"category": "child_sexual_exploitation", "content_id": f"d{round_}"},
            ).json()["case_id"]
            violating = {"outcome": "violating", "policy": "grooming", "reason": "grooming"}
            benign = {"outcome": "no_violation", "reason": "benign"}
            url = f"/v1/cases/{case_id}/decisions"
            answers = _at_once(http, (url, alice, violating), (url, bob, benign))
            assert all(a.status_code < 500 for a in answers), [a.text for a in answers]
            detail = http.get(f"/v1/cases/{case_id}", headers=alice).json()
            assert detail["status"] == "action_taken", detail
            finals = [d for d in detail["decisions"] if d["final"]]
            assert [d["outcome"] for d in finals] == ["violating"]
