"""Rule: /metrics is for the operator's scraper only. Its counts (cases watching, index entries,
uploads found, cases by priority) move when a report's picture matches something, so anyone who
could read them could test pictures against the platform: with `TAKEDOWN_METRICS_TOKEN` set it
needs that bearer token; without one, only a client on the same machine gets it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from takedown.api.app import create_app
from tests.metrics_support import METRICS_HEADERS, METRICS_TOKEN


def test_with_a_token_set_metrics_need_it(settings):  # type: ignore[no-untyped-def]
    assert settings.metrics_token == METRICS_TOKEN
    with TestClient(create_app(settings)) as client:
        assert client.get("/metrics").status_code == 401
        wrong = client.get("/metrics", headers={"Authorization": "Bearer guessed"})
        assert wrong.status_code == 401 and wrong.json()["code"] == "metrics_token"
        scraped = client.get("/metrics", headers=METRICS_HEADERS)
        assert scraped.status_code == 200 and "takedown_cases_watching" in scraped.text
        assert client.get("/healthz").status_code == 200  # liveness stays open


def test_without_a_token_only_this_machine_reads_metrics(settings):  # type: ignore[no-untyped-def]
    open_settings = settings.model_copy(update={"metrics_token": ""})
    app = create_app(open_settings)
    with TestClient(app, client=("203.0.113.7", 40000)) as outsider:
        assert outsider.get("/metrics").status_code == 404
        assert outsider.get("/metrics", headers=METRICS_HEADERS).status_code == 404
    with TestClient(app, client=("127.0.0.1", 40000)) as same_machine:
        assert same_machine.get("/metrics").status_code == 200
