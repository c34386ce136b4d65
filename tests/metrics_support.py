"""The metrics token the test settings carry (conftest.py), and /metrics read with it."""

from __future__ import annotations

from typing import Any

METRICS_TOKEN = "test-metrics-token"
METRICS_HEADERS = {"Authorization": f"Bearer {METRICS_TOKEN}"}


def metrics_text(client: Any) -> str:
    """/metrics as a scraper with the token reads it, through a TestClient."""
    answer = client.get("/metrics", headers=METRICS_HEADERS)
    assert answer.status_code == 200, answer.text
    return str(answer.text)
