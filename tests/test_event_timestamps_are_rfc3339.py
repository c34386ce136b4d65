"""Every moment in a platform event (its `created_at`, a decision's `decided_at`, anything in
`data`) is RFC 3339 in UTC: `2026-12-06T22:53:07.759716Z`, never `str()` of a datetime."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr

from takedown.api.app import create_app
from takedown.enforcement.delivery import deliver_due
from tests.enforcement_support import SECRET, Receiver, decide_violating, report_with_media
from tests.media import generated_scene, jpeg

LOOKS_LIKE_A_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:")
RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_event_timestamps_are_rfc3339(settings):
    receiver = Receiver().start()
    settings = settings.model_copy(
        update={
            "platform_webhook_url": receiver.url,
            "platform_webhook_secret": SecretStr(SECRET),
            "strike_threshold": 1,
        }
    )
    with TestClient(create_app(settings)) as client:
        filed = report_with_media(
            client,
            jpeg(generated_scene(43)),
            content_id="post-43",
            account_id="acct-43",
            category="non_consensual_intimate_imagery",
        )
        decide_violating(client, settings, filed["case_id"], username="first", policy="ncii")
        deliver_due(settings)
    receiver.stop()
    events = receiver.events()
    assert {"case.updated", "content.remove", "account.suspend"} <= {e["type"] for e in events}
    (update,) = receiver.events("case.updated")
    assert RFC3339_UTC.match(update["data"]["decision"]["decided_at"])
    moments = [s for e in events for s in _strings(e) if LOOKS_LIKE_A_MOMENT.match(s)]
    assert len(moments) >= len(events) + 1
    assert all(RFC3339_UTC.match(m) for m in moments), moments
