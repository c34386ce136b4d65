"""Events about one item (a post, an account, a case) reach the platform in the order they were
written: a later one waits while an earlier one is still being retried, so a receiver that was
down gets the violating `case.updated` before the one the appeal wrote, and `content.block`
before `content.remove`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from takedown import clock
from takedown.api.app import create_app
from takedown.enforcement.delivery import deliver_due
from takedown.enforcement.models import OutboxEvent
from takedown.store.db import session_scope
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


def _written(settings) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        rows = db_session.query(OutboxEvent).order_by(OutboxEvent.created_at, OutboxEvent.id)
        return [(row.subject, row.id) for row in rows if row.status == "delivered"]


@pytest.mark.usefixtures("moving_clock")
def test_events_about_one_item_are_delivered_in_order(settings):
    receiver = Receiver(status=503).start()
    settings = settings.model_copy(
        update={
            "platform_webhook_url": receiver.url,
            "platform_webhook_secret": SecretStr(SECRET),
        }
    )
    with TestClient(create_app(settings)) as client:
        filed = report_with_media(
            client,
            jpeg(generated_scene(42)),
            content_id="post-42",
            account_id="acct-42",
            category="non_consensual_intimate_imagery",
        )
        case_id = filed["case_id"]
        decide_violating(client, settings, case_id, username="first", policy="ncii")
        first = deliver_due(settings)
        # Only the first event of each item is tried; the others wait behind it.
        assert first.retried == 2  # content.block of post-42, case.updated of the case

        overturn_on_uploader_appeal(client, settings, case_id, platform_key(client, "report"))
        clock.advance(timedelta(minutes=1))
        receiver.status = 204
        for _ in range(3):
            deliver_due(settings)
            clock.advance(timedelta(minutes=3))

        # Each event once, where it was last received: its delivery (earlier 503s dropped).
        events = list({e["event_id"]: e for e in reversed(receiver.events())}.values())[::-1]
        updates = [e for e in events if e["type"] == "case.updated"]
        assert [u["data"]["decision"]["stage"] for u in updates][-1] == "appeal"
        assert updates[0]["data"]["decision"]["outcome"] == "violating"
        post = [e["type"] for e in events if e["data"].get("content_id") == "post-42"]
        post = [t for t in post if t != "case.updated"]
        assert post == ["content.block", "content.restore"]  # the remove was superseded
        # For each item, the receiver got its events in the order they were written.
        arrived = [e["event_id"] for e in events]
        by_subject: dict[str, list[str]] = {}
        for subject, event_id in _written(settings):
            by_subject.setdefault(subject, []).append(event_id)
        for subject, written in by_subject.items():
            assert [e for e in arrived if e in written] == written, subject
    receiver.stop()
