"""Every webhook carries `Takedown-Signature: t=<unix>,v1=<HMAC-SHA256 of "<t>.<body>">`, and the
verification snippet in docs/platform-webhooks.md accepts real deliveries and rejects tampered,
re-signed or stale ones."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import SecretStr

from takedown.enforcement.delivery import deliver_due
from takedown.enforcement.models import EventType
from takedown.enforcement.outbox import enqueue
from takedown.store.db import session_scope
from tests.enforcement_support import SECRET, Receiver

DOC = Path(__file__).resolve().parent.parent / "docs" / "platform-webhooks.md"


def _snippet():  # type: ignore[no-untyped-def]
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    namespace: dict[str, object] = {}
    exec(blocks[-1], namespace)  # the platform-side code exactly as documented
    return namespace["verify_takedown_signature"]


def test_documented_snippet_verifies_real_deliveries(settings):
    verify = _snippet()
    receiver = Receiver().start()
    settings = settings.model_copy(
        update={"platform_webhook_url": receiver.url, "platform_webhook_secret": SecretStr(SECRET)}
    )
    with session_scope(settings.resolved_database_url) as db_session:
        enqueue(
            db_session=db_session,
            event_type=EventType.CONTENT_REMOVE,
            case_id="case_x",
            subject="post-9",
            data={"content_id": "post-9", "case_id": "case_x"},
        )
    assert deliver_due(settings).delivered == 1
    receiver.stop()
    (delivery,) = receiver.deliveries
    header = delivery.headers["takedown-signature"]
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", header)
    assert delivery.headers["content-type"] == "application/json"
    assert delivery.event["event_id"].startswith("evt_")
    assert delivery.event["type"] == "content.remove"

    assert verify(SECRET, header, delivery.body) is True
    assert verify("another-secret", header, delivery.body) is False
    assert verify(SECRET, header, delivery.body.replace(b"post-9", b"post-8")) is False
    timestamp = header.split(",")[0].removeprefix("t=")
    stale = header.replace(f"t={timestamp}", f"t={int(timestamp) - 3600}")
    assert verify(SECRET, stale, delivery.body) is False
    assert verify(SECRET, "garbage", delivery.body) is False
    # Anyone can send a receiver any header: text that is not ASCII is refused, not an error.
    assert verify(SECRET, f"t={timestamp},v1=\u00e9t\u00e9", delivery.body) is False
