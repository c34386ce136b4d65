"""A crash between the decision and the webhook delivery loses nothing: a real server process
records a violating decision (201: committed, events in the outbox, nothing delivered yet), is
killed with SIGKILL, and after a restart every event reaches the platform's receiver."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from takedown.auth.users import create_user, issue_staff_token
from takedown.store.db import session_scope
from tests.enforcement_support import SECRET, Receiver
from tests.review_support import free_port


def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "takedown.cli.main", "serve", "--port", str(port)],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        assert process.poll() is None, log.read_text()
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"server did not become ready:\n{log.read_text()}")


def test_events_survive_a_kill_between_decision_and_delivery(settings, tmp_path):
    receiver = Receiver().start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "TAKEDOWN_DATABASE_URL": settings.resolved_database_url,
        "TAKEDOWN_DATA_DIR": str(settings.data_dir),
        "TAKEDOWN_PLATFORM_WEBHOOK_URL": receiver.url,
        "TAKEDOWN_PLATFORM_WEBHOOK_SECRET": SECRET,
        "TAKEDOWN_JOB_INTERVAL_SECONDS": "0.2",
    }
    log = tmp_path / "server.log"
    with session_scope(settings.resolved_database_url) as db_session:
        create_user(
            db_session=db_session, username="rev", role="reviewer", password="correct horse battery"
        )
        token = issue_staff_token(db_session=db_session, username="rev")

    # First life: no background jobs, so nothing can be delivered before the kill.
    first = _serve({**env, "TAKEDOWN_RUN_BACKGROUND_JOBS": "false"}, port, log)
    try:
        body = {
            "category": "non_consensual_intimate_imagery",
            "content_id": "post-crash",
            "account_id": "acct-crash",
            "content_url": "https://platform.example/p/post-crash",
            "explanation": "shared without consent",
            "reporter": {"name": "A Person", "email": "person@example.org", "role": "victim"},
            "good_faith_statement": True,
            "signature": "A Person",
        }
        filed = httpx.post(f"{base}/v1/reports", json=body, timeout=30)
        assert filed.status_code == 201, filed.text
        case_id = filed.json()["case_id"]
        decided = httpx.post(
            f"{base}/v1/cases/{case_id}/decisions",
            json={"outcome": "violating", "policy": "ncii", "reason": "confirmed"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert decided.status_code == 201, decided.text
        time.sleep(0.5)
        assert receiver.deliveries == []
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL

    # Second life: the delivery job finds the committed events and sends every one.
    second = _serve(env, port, log)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            types = {d.event["type"] for d in receiver.deliveries}
            if {"content.remove", "case.updated", "content.block"} <= types:
                break
            time.sleep(0.2)
        events = [d.event for d in receiver.deliveries]
        removed = [e for e in events if e["type"] == "content.remove"]
        assert [e["data"]["content_id"] for e in removed] == ["post-crash"], log.read_text()
        assert any(e["type"] == "case.updated" and e["data"]["case_id"] == case_id for e in events)
        assert all(d.signed() for d in receiver.deliveries)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
        receiver.stop()
