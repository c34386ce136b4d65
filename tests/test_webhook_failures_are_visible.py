"""A webhook that cannot be delivered for webhook_retry_hours (24 h) becomes `failed`: never
silent. It shows in /metrics, on the admin console page and in the staff API, and an admin can
re-queue it once the receiver works, after which it is delivered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from takedown import clock
from takedown.api.app import create_app
from takedown.enforcement.delivery import deliver_due
from takedown.enforcement.models import EventType
from takedown.enforcement.outbox import enqueue
from takedown.store.db import session_scope
from tests.enforcement_support import SECRET, Receiver, moving_clock  # noqa: F401
from tests.metrics_support import metrics_text
from tests.review_support import console, make_user, staff_headers


@pytest.mark.usefixtures("moving_clock")
def test_undeliverable_event_fails_visibly_and_can_be_requeued(settings):
    receiver = Receiver(status=500).start()  # up, but broken
    settings = settings.model_copy(
        update={"platform_webhook_url": receiver.url, "platform_webhook_secret": SecretStr(SECRET)}
    )
    app = create_app(settings)
    with TestClient(app) as client:
        make_user(settings, "ops", "admin")
        make_user(settings, "rev", "reviewer")
        admin = staff_headers(client, settings, "ops")
        with session_scope(settings.resolved_database_url) as db_session:
            event_id = enqueue(
                db_session=db_session,
                event_type=EventType.ACCOUNT_SUSPEND,
                case_id="case_1",
                subject="acct-1",
                data={"account_id": "acct-1"},
            ).id
        passes = 0
        while True:
            run = deliver_due(settings)
            passes += 1
            if run.failed:
                break
            assert run.retried == 1 and passes < 100
            clock.advance(timedelta(hours=1))
        assert passes == 25  # hourly attempts from 0 h to 24 h, then it is given up
        assert len(receiver.deliveries) == passes  # every attempt reached the receiver

        assert 'takedown_webhook_outbox_events{status="failed"} 1.0' in metrics_text(client)
        failed = client.get("/v1/webhooks/outbox?status=failed", headers=admin).json()
        assert [e["event_id"] for e in failed["events"]] == [event_id]
        assert failed["events"][0]["last_error"] == "HTTP 500"
        reviewer = staff_headers(client, settings, "rev")
        assert client.get("/v1/webhooks/outbox", headers=reviewer).status_code == 403

        page = console(app, "ops").get("/console/webhooks?status=failed")
        assert page.status_code == 200 and event_id in page.text
        assert console(app, "rev").get("/console/webhooks").status_code == 403

        clock.advance(timedelta(days=2))
        assert deliver_due(settings).retried == 0  # failed events are not retried on their own
        receiver.status = 204
        requeued = client.post(f"/v1/webhooks/outbox/{event_id}/retry", headers=admin)
        assert requeued.status_code == 200 and requeued.json()["status"] == "pending"
        assert deliver_due(settings).delivered == 1
        assert receiver.deliveries[-1].event["event_id"] == event_id
        assert 'takedown_webhook_outbox_events{status="failed"} 0.0' in metrics_text(client)
        # Delivered is done: sent again, an old order could undo a later one (a block re-sent
        # after an appeal restored the post).
        again = client.post(f"/v1/webhooks/outbox/{event_id}/retry", headers=admin)
        assert again.status_code == 409 and again.json()["code"] == "event_not_failed"
        assert deliver_due(settings).delivered == 0
    receiver.stop()
