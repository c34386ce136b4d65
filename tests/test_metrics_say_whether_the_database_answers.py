"""/metrics says whether the database answered (`takedown_database_up`): the gauges read from it
(open and overdue cases, the outbox, filings) keep their last values while it does not, and an
alert on `takedown_cases_overdue` would stay quiet (docs/operations.md, Watching it)."""

from __future__ import annotations

import re

from tests.metrics_support import metrics_text

UNREACHABLE = "postgresql://takedown@127.0.0.1:1/takedown"


def database_up(client) -> float:  # type: ignore[no-untyped-def]
    found = re.search(r"^takedown_database_up (\S+)$", metrics_text(client), re.MULTILINE)
    assert found, "takedown_database_up is missing from /metrics"
    return float(found.group(1))


def test_metrics_say_the_database_answers(client):
    assert database_up(client) == 1.0


def test_metrics_say_the_database_does_not_answer(client, app, settings):
    app.state.settings = settings.model_copy(update={"database_url": UNREACHABLE})
    assert database_up(client) == 0.0
    assert client.get("/readyz").json()["checks"]["database"] is False
    app.state.settings = settings
    assert database_up(client) == 1.0
