"""An admin re-queues a failed webhook event only when nothing later about its item went out or
waits: sent now, an old order would arrive after the newer one and could undo it (a removal
re-sent after the restore that reversed it). A failed order is superseded by the one that undoes
it, like an undelivered one; failed events about one item are re-queued oldest first."""

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
from tests.review_support import make_user, staff_headers


def _write(settings, event_type: EventType, subject: str, case_id: str = "case_1") -> str:
    clock.advance(timedelta(seconds=1))  # the order they were written in, not a tie
    with session_scope(settings.resolved_database_url) as db_session:
        return enqueue(
            db_session=db_session,
            event_type=event_type,
            case_id=case_id,
            subject=subject,
            data={"subject": subject},
        ).id


def _fail_everything_due(settings) -> None:
    """Let the receiver fail until every pending event has run out its retry window."""
    for _ in range(200):
        run = deliver_due(settings)
        if not (run.retried or run.delivered or run.failed):
            return
        clock.advance(timedelta(hours=1))
    raise AssertionError("events never failed")


def _status(client, admin, event_id: str) -> str:
    page = client.get("/v1/webhooks/outbox?limit=1000", headers=admin).json()
    return next(e["status"] for e in page["events"] if e["event_id"] == event_id)


@pytest.fixture
def outage(settings):
    receiver = Receiver(status=500).start()
    settings = settings.model_copy(
        update={"platform_webhook_url": receiver.url, "platform_webhook_secret": SecretStr(SECRET)}
    )
    app = create_app(settings)
    with TestClient(app) as client:
        make_user(settings, "ops", "admin")
        yield settings, client, staff_headers(client, settings, "ops"), receiver
    receiver.stop()


@pytest.mark.usefixtures("moving_clock")
def test_a_failed_removal_is_superseded_by_the_restore_that_reverses_it(outage):
    settings, client, admin, receiver = outage
    removal = _write(settings, EventType.CONTENT_REMOVE, "post-1")
    _fail_everything_due(settings)
    assert _status(client, admin, removal) == "failed"

    restore = _write(settings, EventType.CONTENT_RESTORE, "post-1")
    assert _status(client, admin, removal) == "superseded"
    receiver.status = 204
    sent_before = len(receiver.deliveries)
    assert deliver_due(settings).delivered == 1
    retried = client.post(f"/v1/webhooks/outbox/{removal}/retry", headers=admin)
    assert retried.status_code == 409 and retried.json()["code"] == "event_not_failed"
    assert deliver_due(settings).delivered == 0
    assert [d.event["event_id"] for d in receiver.deliveries[sent_before:]] == [restore]


@pytest.mark.usefixtures("moving_clock")
def test_a_failed_event_is_not_requeued_after_a_later_one_about_its_item_went_out(outage):
    settings, client, admin, receiver = outage
    suspension = _write(settings, EventType.ACCOUNT_SUSPEND, "acct-7")
    _fail_everything_due(settings)
    receiver.status = 204
    later = _write(settings, EventType.ACCOUNT_RESTORE, "acct-7", case_id="case_2")  # another case
    other_item = _write(settings, EventType.ACCOUNT_SUSPEND, "acct-8")
    assert deliver_due(settings).delivered == 2

    refused = client.post(f"/v1/webhooks/outbox/{suspension}/retry", headers=admin)
    assert refused.status_code == 409
    assert refused.json()["code"] == "later_event_for_item"
    assert later in refused.json()["detail"]
    assert _status(client, admin, suspension) == "failed"
    assert deliver_due(settings).delivered == 0
    assert {d.event["event_id"] for d in receiver.deliveries[-2:]} == {later, other_item}


@pytest.mark.usefixtures("moving_clock")
def test_failed_events_about_one_item_are_requeued_oldest_first(outage):
    settings, client, admin, receiver = outage
    opened = _write(settings, EventType.CASE_UPDATED, "case_9", case_id="case_9")
    decided = _write(settings, EventType.CASE_UPDATED, "case_9", case_id="case_9")
    _fail_everything_due(settings)
    receiver.status = 204

    newest_first = client.post(f"/v1/webhooks/outbox/{decided}/retry", headers=admin)
    assert newest_first.status_code == 200
    refused = client.post(f"/v1/webhooks/outbox/{opened}/retry", headers=admin)
    assert refused.status_code == 409 and refused.json()["code"] == "later_event_for_item"
    assert deliver_due(settings).delivered == 1
    assert receiver.deliveries[-1].event["event_id"] == decided

    # Both failed: the older goes back first, then the newer, and they arrive in that order.
    second_opened = _write(settings, EventType.CASE_UPDATED, "case_10", case_id="case_10")
    second_decided = _write(settings, EventType.CASE_UPDATED, "case_10", case_id="case_10")
    receiver.status = 500
    _fail_everything_due(settings)
    receiver.status = 204
    sent_before = len(receiver.deliveries)
    for event_id in (second_opened, second_decided):
        assert (
            client.post(f"/v1/webhooks/outbox/{event_id}/retry", headers=admin).status_code == 200
        )
    deliver_due(settings)
    arrived = [d.event["event_id"] for d in receiver.deliveries[sent_before:]]
    assert arrived == [second_opened, second_decided]
