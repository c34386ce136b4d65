"""Rule: a webhook delivery pass stops posting before its claim on the batch runs out, and gives
back what it did not send, so no other process claims and sends those events while this one is
still working through a slow receiver. Found by a load test: with a receiver answering in 4 s and
two servers, 9 of 59 events arrived twice, 120 s apart (a batch of 50 took longer than the
2-minute claim)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from takedown import clock
from takedown.api.app import create_app
from takedown.enforcement import delivery
from takedown.enforcement.delivery import deliver_due
from takedown.enforcement.models import OutboxEvent
from takedown.store.db import session_scope
from tests.enforcement_support import SECRET, Receiver, decide_violating, report_with_media
from tests.media import generated_scene, jpeg

ANSWER_SECONDS = 0.4


def _pending(settings) -> list[OutboxEvent]:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        rows = db_session.scalars(select(OutboxEvent).where(OutboxEvent.status == "pending"))
        found = list(rows)
        db_session.expunge_all()
        return found


@contextmanager
def _slow_receiver_with_events(settings, monkeypatch) -> Iterator[tuple[Any, Receiver]]:  # type: ignore[no-untyped-def]
    """Three violating decisions' events (each post, account and case its own item) waiting for
    a receiver that answers in 0.4 s, under a 2 s claim: posting must stop after about 1 s."""
    receiver = Receiver(answer_after_seconds=ANSWER_SECONDS).start()
    settings = settings.model_copy(
        update={
            "platform_webhook_url": receiver.url,
            "platform_webhook_secret": SecretStr(SECRET),
            "webhook_timeout_seconds": 0.5,
        }
    )
    monkeypatch.setattr(delivery, "CLAIM_LEASE", timedelta(seconds=2))
    try:
        with TestClient(create_app(settings)) as client:
            for n in range(3):
                filed = report_with_media(
                    client, jpeg(generated_scene(300 + n)), content_id=f"p-{n}", account_id=f"a-{n}"
                )
                decide_violating(
                    client,
                    settings,
                    filed["case_id"],
                    f"csr-{n}",
                    classification="A1",
                    search_copies=False,
                )
            yield settings, receiver
    finally:
        receiver.stop()


def test_a_delivery_pass_gives_back_what_it_has_no_time_to_send(settings, monkeypatch):  # type: ignore[no-untyped-def]
    with _slow_receiver_with_events(settings, monkeypatch) as (settings, _):
        monkeypatch.setattr(delivery, "ROUNDS", 1)
        first = deliver_due(settings)
        assert 1 <= first.delivered <= 1.0 / ANSWER_SECONDS + 1  # stopped before the claim ran out
        given_back = [e for e in _pending(settings) if e.attempts == 0]
        assert len(given_back) >= 4  # the rest of the batch (and the later events of each item)
        assert any(e.next_attempt_at <= clock.now() for e in given_back)  # due again at once


def test_a_slow_receiver_never_gets_an_event_twice(settings, monkeypatch):  # type: ignore[no-untyped-def]
    with _slow_receiver_with_events(settings, monkeypatch) as (settings, receiver):
        written = len(_pending(settings))

        def server() -> None:  # two servers working through the outbox at once
            give_up = time.monotonic() + 60
            while _pending(settings) and time.monotonic() < give_up:
                deliver_due(settings)
                time.sleep(0.05)

        servers = [threading.Thread(target=server) for _ in range(2)]
        for thread in servers:
            thread.start()
        for thread in servers:
            thread.join(timeout=120)
        assert not _pending(settings)
        sent = Counter(d.event["event_id"] for d in receiver.deliveries)
        assert len(sent) == written and set(sent.values()) == {1}
