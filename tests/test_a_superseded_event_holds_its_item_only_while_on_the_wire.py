"""A removal superseded by a restore while its post is on the wire holds the restore back only
until that post ends (the receiver must get them in order), not for the rest of the delivery
claim: once the post's answer is in, the restore goes at the next pass."""

from __future__ import annotations

import threading
import time

from pydantic import SecretStr

from takedown.enforcement.delivery import deliver_due
from takedown.enforcement.models import EventType
from takedown.enforcement.outbox import enqueue
from takedown.store.db import session_scope
from tests.enforcement_support import SECRET, Receiver


def _write(settings, event_type: EventType) -> str:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        return enqueue(
            db_session=db_session,
            event_type=event_type,
            case_id="case_1",
            subject="post-1",
            data={"content_id": "post-1"},
        ).id


def test_a_superseded_event_holds_its_item_only_while_on_the_wire(settings):  # type: ignore[no-untyped-def]
    receiver = Receiver(answer_after_seconds=1.5).start()
    settings = settings.model_copy(
        update={"platform_webhook_url": receiver.url, "platform_webhook_secret": SecretStr(SECRET)}
    )
    try:
        removal = _write(settings, EventType.CONTENT_REMOVE)
        on_the_wire = threading.Thread(target=deliver_due, args=(settings,))
        on_the_wire.start()
        time.sleep(0.5)  # the removal's post has started
        restore = _write(settings, EventType.CONTENT_RESTORE)
        assert deliver_due(settings).delivered == 0  # the removal may still arrive: wait
        on_the_wire.join(timeout=30)

        assert deliver_due(settings).delivered == 1
        assert [d.event["event_id"] for d in receiver.deliveries] == [removal, restore]
    finally:
        receiver.stop()
