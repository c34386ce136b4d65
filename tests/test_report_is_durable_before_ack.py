"""A 201 means the report is durable: a real server killed (SIGKILL) right after answering loses
nothing, because intake commits before the answer is sent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from takedown.cases.models import Case
from takedown.reports.models import Report
from takedown.store.db import dispose, session_scope
from tests.reports_support import free_port, valid_body


def test_reports_survive_a_kill_right_after_201(settings, database_url, tmp_path: Path):
    port = free_port()
    env = {
        **os.environ,
        "TAKEDOWN_DATABASE_URL": database_url,
        "TAKEDOWN_DATA_DIR": str(tmp_path / "server-data"),
        "TAKEDOWN_RUN_BACKGROUND_JOBS": "false",
        "TAKEDOWN_PORT": str(port),
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "takedown"), "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    answers = []
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        with httpx.Client(base_url=base, timeout=30) as http:
            for i in range(5):
                body = valid_body("child_sexual_abuse", content_id=f"durable-{i}")
                answer = http.post("/v1/reports", json=body)
                assert answer.status_code == 201, answer.text
                answers.append(answer.json())
        server.send_signal(signal.SIGKILL)  # no shutdown hooks, no flushing
    finally:
        server.kill()
        server.wait(timeout=10)
    dispose(database_url)
    with session_scope(database_url) as db_session:
        stored = {r.id: r for r in db_session.scalars(select(Report))}
        for answer in answers:
            report = stored[answer["report_id"]]
            assert report.tracking_token == answer["tracking_token"]
            assert db_session.get(Case, answer["case_id"]) is not None
