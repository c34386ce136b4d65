"""Rule: a violating decision takes down every post reported into the case, not only the case's
own: a report about another post of the same material joins the case by its media, and that post
comes down too, even if the platform never scanned it (so the ledger search cannot find it); its
poster is flagged for review."""

from __future__ import annotations

from fastapi.testclient import TestClient

from takedown.api.app import create_app
from takedown.enforcement.models import OutboxEvent
from takedown.store.db import session_scope
from tests.enforcement_support import decide_violating, report_with_media
from tests.media import jpeg, stand_in
from tests.review_support import make_user, staff_headers


def test_every_reported_post_of_the_material_is_removed(settings) -> None:  # type: ignore[no-untyped-def]
    picture = jpeg(stand_in("chelsea"))
    with TestClient(create_app(settings)) as client:
        first = report_with_media(
            client,
            picture,
            content_id="post-a",
            account_id="acct-a",
            category="non_consensual_intimate_imagery",
        )
        second = report_with_media(
            client,
            picture,
            content_id="post-b",
            account_id="acct-b",
            category="non_consensual_intimate_imagery",
        )
        assert second["case_id"] == first["case_id"]  # joined by its media
        decide_violating(client, settings, first["case_id"], policy="ncii")

        with session_scope(settings.resolved_database_url) as db_session:
            removed = {
                e.payload()["data"]["content_id"]: e.payload()["data"]
                for e in db_session.query(OutboxEvent).filter_by(event_type="content.remove")
            }
        assert set(removed) == {"post-a", "post-b"}
        assert removed["post-b"]["account_id"] == "acct-b"
        assert removed["post-b"]["match"]["kind"] == "reported"
        assert removed["post-b"]["statement_of_reasons"]["decision_ground"]

        make_user(settings, "lawyer", "legal")
        legal = staff_headers(client, settings, "lawyer")
        assert client.get("/v1/accounts/acct-b", headers=legal).json()["flagged_for_review"]
        assert client.get("/v1/accounts/acct-a", headers=legal).json()["strike_count"] == 1
