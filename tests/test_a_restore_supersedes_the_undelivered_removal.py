"""A removal still being retried when an appeal overturns it is never delivered: the restore
supersedes it (shown as `superseded` in the outbox), so a receiver that comes back gets the
restore and not a stale `content.remove` after it; the same for the uploader's suspension."""

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
    overturn_on_uploader_appeal,
    platform_key,
    report_with_media,
)
from tests.media import generated_scene, jpeg
from tests.review_support import make_user, staff_headers


@pytest.mark.usefixtures("moving_clock")
def test_a_restore_supersedes_the_undelivered_removal(settings):
    receiver = Receiver(status=500).start()  # the platform's endpoint answers 500 for a while
    settings = settings.model_copy(
        update={
            "platform_webhook_url": receiver.url,
            "platform_webhook_secret": SecretStr(SECRET),
            "strike_threshold": 1,
        }
    )
    with TestClient(create_app(settings)) as client:
        make_user(settings, "ops", "admin")
        admin = staff_headers(client, settings, "ops")
        filed = report_with_media(
            client,
            jpeg(generated_scene(41)),
            content_id="post-41",
            account_id="acct-41",
            category="non_consensual_intimate_imagery",
        )
        decide_violating(client, settings, filed["case_id"], username="first", policy="ncii")
        assert deliver_due(settings).retried >= 3  # remove, suspend, case.updated: backing off

        overturn_on_uploader_appeal(
            client, settings, filed["case_id"], platform_key(client, "report")
        )
        outbox = client.get("/v1/webhooks/outbox", headers=admin).json()
        status = {(e["type"], e["subject"]): e["status"] for e in outbox["events"]}
        assert status[("content.remove", "post-41")] == "superseded"
        assert status[("account.suspend", "acct-41")] == "superseded"
        assert status[("content.restore", "post-41")] == "pending"
        assert outbox["counts"]["superseded_last_7_days"] == 2
        superseded = client.get("/v1/webhooks/outbox?status=superseded", headers=admin).json()
        assert {e["type"] for e in superseded["events"]} == {"content.remove", "account.suspend"}

        receiver.status = 200  # back
        clock.advance(timedelta(minutes=3))
        deliver_due(settings)
        clock.advance(timedelta(minutes=3))
        deliver_due(settings)

        types = [e["type"] for e in receiver.events() if e["data"].get("content_id") == "post-41"]
        assert "content.remove" not in types and "account.suspend" not in types
        assert "content.restore" in types
        assert [e["data"]["account_id"] for e in receiver.events("account.restore")] == ["acct-41"]
        # The failed attempts are recorded; nothing is left to send.
        counts = client.get("/v1/webhooks/outbox", headers=admin).json()["counts"]
        assert counts["pending"] == 0 and counts["failed"] == 0
    receiver.stop()
