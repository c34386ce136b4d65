"""With several server processes (`takedown serve --workers 2`), /metrics answers for them all,
whichever process serves the scrape: counters are summed (every scan counted once), and each live
process's own gauges (its index) appear with its pid."""

from __future__ import annotations

import re

import httpx

from tests.media import generated_scene, jpeg
from tests.review_support import free_port, run_server, server_env, stop_server

SCANS = 6


def test_metrics_count_every_server_process(settings, make_api_key, tmp_path) -> None:
    key = make_api_key("scan")
    env = server_env(settings.resolved_database_url, settings.data_dir, free_port())
    base = env["TAKEDOWN_PUBLIC_BASE_URL"]
    server = run_server(env, tmp_path / "server.log", "--workers", "2")
    try:
        for n in range(SCANS):  # a new connection each time, so both processes take some
            answer = httpx.post(
                f"{base}/v1/scan",
                files={"file": ("p.jpg", jpeg(generated_scene(600 + n)), "image/jpeg")},
                data={"content_id": f"post-{n}"},
                headers={"Authorization": f"Bearer {key}"},
                timeout=60,
            )
            assert answer.status_code == 200, answer.text
        for _ in range(4):  # whichever process answers the scrape
            text = httpx.get(f"{base}/metrics", timeout=10).text
            counted = re.search(
                r'^takedown_scans_total\{media_type="image",verdict="allow"\} (\S+)$',
                text,
                flags=re.M,
            )
            assert counted and float(counted.group(1)) == SCANS
            pids = set(
                re.findall(r'^takedown_index_refresh_lag_seconds\{pid="(\d+)"', text, flags=re.M)
            )
            assert len(pids) == 2, text
    finally:
        stop_server(server)
