"""A running `takedown serve` files queued CyberTipline reports by itself (the filing job runs in
the server's job thread), with no command or request from anyone."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from takedown.auth.models import Role
from takedown.ncmec.sandbox import free_port
from tests.ncmec_factories import decided_case, make_user, ncmec_settings, sandbox


@pytest.mark.slow
def test_serve_files_a_queued_report_in_the_background(settings):
    with sandbox() as server:
        settings = ncmec_settings(settings, server)
        case = decided_case(settings, files=1)
        _, token = make_user(settings, Role.LEGAL)
        port = free_port()
        env = {
            **os.environ,
            "TAKEDOWN_DATABASE_URL": settings.resolved_database_url,
            "TAKEDOWN_DATA_DIR": str(settings.data_dir),
            "TAKEDOWN_NCMEC_URL": server.url,
            "TAKEDOWN_NCMEC_USERNAME": settings.ncmec_username,
            "TAKEDOWN_NCMEC_PASSWORD": settings.ncmec_password.get_secret_value(),
            "TAKEDOWN_NCMEC_ENVIRONMENT": "test",
            "TAKEDOWN_JOB_INTERVAL_SECONDS": "0.2",
        }
        command = [sys.executable, "-m", "takedown.cli.main", "serve", "--port", str(port)]
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            state, deadline = None, time.monotonic() + 60
            while state != "finished":
                assert process.poll() is None, process.stderr.read().decode()[-2000:]
                assert time.monotonic() < deadline, f"still {state}"
                time.sleep(0.3)
                try:
                    answer = httpx.get(
                        f"http://127.0.0.1:{port}/v1/cases/{case.case_id}/ncmec",
                        headers={"Authorization": f"Bearer {token}"},
                    )
                except httpx.TransportError:
                    continue
                state = answer.json()["filings"][0]["state"]
            (report,) = server.state.reports.values()
            assert report.status == "finished"
            metrics = httpx.get(f"http://127.0.0.1:{port}/metrics").text
            assert 'takedown_ncmec_filings{state="finished"} 1.0' in metrics
        finally:
            process.terminate()
            process.wait(timeout=15)
