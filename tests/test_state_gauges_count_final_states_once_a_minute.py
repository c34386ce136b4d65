"""Rule: a database gauge by state (platform events, copy searches, CyberTipline filings) counts
its final states from the database at most once a minute, even while its job is busy moving rows
into them; between counts the job adds what it moved, so /metrics stays right. Counting a final
state reads every row that ever reached it, and a busy job counted it on every run.

Events are delivered in three passes, a decision's worth each: the delivered count is read from
the database once (the first pass), and after every pass the gauge says how many were delivered."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import event
from sqlalchemy.engine import Engine

from takedown.api.app import create_app
from takedown.enforcement.delivery import deliver_due
from tests.enforcement_support import (
    SECRET,
    Receiver,
    decide_violating,
    moving_clock,
    report_with_media,
)
from tests.media import generated_scene, jpeg
from tests.metrics_support import metrics_text

GAUGE = re.compile(r'^takedown_webhook_outbox_events\{status="delivered"\} (\S+)$', re.M)


@contextmanager
def delivered_counts() -> Iterator[list[str]]:
    """The statements meanwhile that count delivered events by status."""
    seen: list[str] = []

    def remember(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        counting = "count(" in statement and "outbox_events.status" in statement
        if counting and "delivered" in str(parameters):
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", remember)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", remember)


@pytest.mark.usefixtures(moving_clock.__name__)
def test_state_gauges_count_final_states_once_a_minute(settings):  # type: ignore[no-untyped-def]
    receiver = Receiver().start()
    settings = settings.model_copy(
        update={
            "platform_webhook_url": receiver.url,
            "platform_webhook_secret": SecretStr(SECRET),
        }
    )
    delivered_so_far = 0
    with TestClient(create_app(settings)) as client, delivered_counts() as counts:
        for seed in (1, 2, 3):
            filed = report_with_media(
                client,
                jpeg(generated_scene(seed)),
                content_id=f"post-{seed}",
                account_id=f"acct-{seed}",
                category="non_consensual_intimate_imagery",
            )
            decide_violating(
                client, settings, filed["case_id"], username=f"rev-{seed}", policy="ncii"
            )
            run = deliver_due(settings)
            assert run.delivered > 0
            delivered_so_far += run.delivered
            gauge = GAUGE.search(metrics_text(client))
            assert gauge is not None and float(gauge.group(1)) == delivered_so_far
        assert len(counts) == 1, counts  # the first pass; the other two added what they moved
    assert len(receiver.deliveries) == delivered_so_far
    receiver.stop()
