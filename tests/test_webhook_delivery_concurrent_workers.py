"""Several delivery workers at once (as several server processes run the job) deliver each event
once: a row is claimed by one worker only."""

from __future__ import annotations

import threading
from collections import Counter

from pydantic import SecretStr

from takedown.enforcement.delivery import deliver_due
from takedown.enforcement.models import EventType
from takedown.enforcement.outbox import enqueue
from takedown.store.db import session_scope
from tests.enforcement_support import SECRET, Receiver


def test_parallel_workers_deliver_each_event_once(settings):
    receiver = Receiver().start()
    settings = settings.model_copy(
        update={"platform_webhook_url": receiver.url, "platform_webhook_secret": SecretStr(SECRET)}
    )
    with session_scope(settings.resolved_database_url) as db_session:
        expected = {
            enqueue(
                db_session=db_session,
                event_type=EventType.CONTENT_REMOVE,
                case_id="case_1",
                subject=f"post-{n}",
                data={"content_id": f"post-{n}"},
            ).id
            for n in range(40)
        }
    start = threading.Barrier(4)
    runs = []

    def worker() -> None:
        start.wait()
        runs.append(deliver_due(settings))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    receiver.stop()
    delivered = Counter(d.event["event_id"] for d in receiver.deliveries)
    assert set(delivered) == expected
    assert max(delivered.values()) == 1
    assert sum(r.delivered for r in runs) == len(expected)
