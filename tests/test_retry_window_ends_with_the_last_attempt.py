"""An event the receiver keeps refusing is `failed` once TAKEDOWN_WEBHOOK_RETRY_HOURS have passed
since it was written: the last backoff is cut short at the window's end, so no attempt (and no
late delivery) falls after it."""

from __future__ import annotations

from datetime import datetime, timedelta

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
from tests.review_support import make_user, staff_headers


@pytest.mark.usefixtures("moving_clock")
def test_retry_window_ends_with_the_last_attempt(settings):
    receiver = Receiver(status=500).start()
    settings = settings.model_copy(
        update={
            "platform_webhook_url": receiver.url,
            "platform_webhook_secret": SecretStr(SECRET),
            "webhook_retry_hours": 0.05,  # three minutes
        }
    )
    with TestClient(create_app(settings)) as client:
        make_user(settings, "ops", "admin")
        admin = staff_headers(client, settings, "ops")
        filed = report_with_media(
            client,
            jpeg(generated_scene(44)),
            content_id="post-44",
            account_id="acct-44",
            category="non_consensual_intimate_imagery",
        )
        decide_violating(client, settings, filed["case_id"], username="first", policy="ncii")
        events = client.get("/v1/webhooks/outbox", headers=admin).json()["events"]
        window_end = max(datetime.fromisoformat(e["created_at"]) for e in events) + timedelta(
            minutes=3
        )
        while clock.now() < window_end + timedelta(seconds=5):
            deliver_due(settings)
            clock.advance(timedelta(seconds=5))
        deliver_due(settings)
        outbox = client.get("/v1/webhooks/outbox", headers=admin).json()
        assert outbox["counts"]["pending"] == 0
        tried = [e for e in outbox["events"] if e["attempts"]]
        assert tried and all(e["status"] == "failed" for e in tried)

        receiver.status = 200  # too late: a failed event waits for an admin's re-queue
        attempts = len(receiver.deliveries)
        clock.advance(timedelta(minutes=10))
        assert deliver_due(settings).delivered == 0
        assert len(receiver.deliveries) == attempts
        assert client.get("/v1/webhooks/outbox", headers=admin).json()["counts"]["pending"] == 0
    receiver.stop()
