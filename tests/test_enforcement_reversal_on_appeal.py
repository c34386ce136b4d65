"""An uploader's appeal that overturns a removal undoes it: content.restore for every item the
case removed, the case's bank entries disabled (the media is no longer blocked at scan), the strike
withdrawn and the suspension lifted with account.restore."""

from __future__ import annotations

from fastapi.testclient import TestClient

from takedown.api.app import create_app
from takedown.enforcement.models import OutboxEvent
from takedown.store.db import session_scope
from tests.enforcement_support import (
    decide_violating,
    overturn_on_uploader_appeal,
    report_with_media,
    scan,
)
from tests.media import altered_copy, jpeg, stand_in
from tests.review_support import make_user, staff_headers


def _events(settings, event_type: str) -> list[dict]:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        rows = db_session.query(OutboxEvent).filter_by(event_type=event_type)
        return [row.payload()["data"] for row in rows]


def test_overturned_appeal_restores_content_and_account(settings, make_api_key):
    settings = settings.model_copy(update={"strike_threshold": 1})
    scan_key, report_key = make_api_key("scan"), make_api_key("report")
    picture = jpeg(stand_in("hubble_deep_field"))
    app = create_app(settings)
    with TestClient(app) as client:
        scan(client, scan_key, altered_copy(stand_in("hubble_deep_field")), "copy-1", "acct-b")
        filed = report_with_media(
            client,
            picture,
            content_id="post-1",
            account_id="acct-a",
            category="non_consensual_intimate_imagery",
        )
        decide_violating(client, settings, filed["case_id"], username="first", policy="ncii")
        assert {e["content_id"] for e in _events(settings, "content.remove")} == {
            "post-1",
            "copy-1",
        }
        assert [e["account_id"] for e in _events(settings, "account.suspend")] == ["acct-a"]
        client.app.state.index.refresh()
        assert scan(client, scan_key, picture, "post-2", "acct-c")["verdict"] == "block"

        overturn_on_uploader_appeal(client, settings, filed["case_id"], report_key)

        assert {e["content_id"] for e in _events(settings, "content.restore")} == {
            "post-1",
            "copy-1",
        }
        assert [e["account_id"] for e in _events(settings, "account.restore")] == ["acct-a"]
        make_user(settings, "lawyer", "legal")
        account = client.get(
            "/v1/accounts/acct-a", headers=staff_headers(client, settings, "lawyer")
        ).json()
        assert account["status"] == "active" and account["strike_count"] == 0
        assert account["strikes"][0]["withdrawn_at"] is not None
        client.app.state.index.refresh()
        assert scan(client, scan_key, picture, "post-3", "acct-c")["verdict"] == "allow"
