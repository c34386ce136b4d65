"""A platform receiver that is down for a while still gets every event afterwards: deliveries are
retried with exponential backoff (clock moved with takedown.clock.advance) and each event arrives,
signed, once the receiver is back on its port."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from takedown import clock
from takedown.api.app import create_app
from takedown.enforcement.delivery import deliver_due
from tests.enforcement_support import (  # noqa: F401
    SECRET,
    Receiver,
    decide_violating,
    moving_clock,
    report_with_media,
)
from tests.media import generated_scene, jpeg
from tests.metrics_support import metrics_text
from tests.review_support import make_user, staff_headers


def _outbox(client: TestClient, headers: dict[str, str]) -> dict:
    answer = client.get("/v1/webhooks/outbox", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.usefixtures("moving_clock")
def test_receiver_down_for_hours_gets_every_event_afterwards(settings):
    receiver = Receiver().start()
    receiver.stop()  # the platform's endpoint is down; its port is known
    settings = settings.model_copy(
        update={
            "platform_webhook_url": receiver.url,
            "platform_webhook_secret": SecretStr(SECRET),
        }
    )
    with TestClient(create_app(settings)) as client:
        make_user(settings, "ops", "admin")
        admin = staff_headers(client, settings, "ops")
        for seed in (1, 2):
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
        expected = {e["event_id"] for e in _outbox(client, admin)["events"]}
        assert len(expected) >= 4  # content.block, content.remove, case.updated per case

        # Events about one item go in order: content.remove waits behind the post's
        # content.block, so each pass tries the first event of each item (post, case).
        heads = 4
        first = deliver_due(settings)
        assert first.delivered == 0 and first.retried == heads
        # Backed off: nothing is due again at once.
        assert deliver_due(settings).retried == 0
        attempts = []
        for _ in range(6):  # down for a few hours: each pass finds the events due again
            clock.advance(timedelta(minutes=45))
            attempts.append(deliver_due(settings).retried)
        assert all(n == heads for n in attempts)
        metrics = metrics_text(client)
        assert f'takedown_webhook_outbox_events{{status="pending"}} {float(len(expected))}' in (
            metrics
        )
        body = _outbox(client, admin)
        assert body["counts"]["pending"] == len(expected)
        tried = [e for e in body["events"] if e["attempts"]]
        assert len(tried) == heads and all(e["attempts"] == 7 and e["last_error"] for e in tried)

        receiver.start()  # back on the same port
        clock.advance(timedelta(hours=1))
        assert deliver_due(settings).delivered == len(expected)
        assert {d.event["event_id"] for d in receiver.deliveries} == expected
        assert all(d.signed() for d in receiver.deliveries)
        assert _outbox(client, admin)["counts"] == {
            "pending": 0,
            "failed": 0,
            "delivered_last_7_days": len(expected),
            "superseded_last_7_days": 0,
        }
        clock.advance(timedelta(days=8))  # the page counts the last week's, not every one ever
        assert _outbox(client, admin)["counts"]["delivered_last_7_days"] == 0
        assert 'takedown_webhook_outbox_events{status="pending"} 0.0' in metrics_text(client)
    receiver.stop()
