"""A webhook URL without TAKEDOWN_PLATFORM_WEBHOOK_SECRET would sign every event with an empty
key, which anyone can forge: Takedown logs an error at start and sends nothing; the events wait
in the outbox and go out, signed, once a secret is set."""

from __future__ import annotations

import logging

from fastapi.testclient import TestClient
from pydantic import SecretStr

from takedown.api.app import create_app
from takedown.enforcement.delivery import deliver_due
from tests.enforcement_support import SECRET, Receiver, decide_violating, report_with_media
from tests.media import generated_scene, jpeg
from tests.review_support import make_user, staff_headers


def test_an_unsigned_webhook_is_never_sent(settings, caplog):
    receiver = Receiver().start()
    unsigned = settings.model_copy(
        update={"platform_webhook_url": receiver.url, "platform_webhook_secret": SecretStr("")}
    )
    with caplog.at_level(logging.ERROR), TestClient(create_app(unsigned)) as client:
        assert any(
            r.levelno == logging.ERROR and "TAKEDOWN_PLATFORM_WEBHOOK_SECRET" in r.getMessage()
            for r in caplog.records
        )
        filed = report_with_media(
            client,
            jpeg(generated_scene(45)),
            content_id="post-45",
            account_id="acct-45",
            category="non_consensual_intimate_imagery",
        )
        decide_violating(client, unsigned, filed["case_id"], username="first", policy="ncii")
        run = deliver_due(unsigned)
        assert run.delivered == run.retried == 0 and receiver.deliveries == []
        make_user(unsigned, "ops", "admin")
        outbox = client.get("/v1/webhooks/outbox", headers=staff_headers(client, unsigned, "ops"))
        assert outbox.json()["counts"]["pending"] >= 3

    signed = unsigned.model_copy(update={"platform_webhook_secret": SecretStr(SECRET)})
    assert deliver_due(signed).delivered >= 3
    assert receiver.deliveries and all(d.signed() for d in receiver.deliveries)
    receiver.stop()
