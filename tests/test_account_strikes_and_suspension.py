"""Accounts: one strike per violating case; TAKEDOWN_STRIKE_THRESHOLD strikes suspend
(account.suspend); child sexual abuse material suspends at once unless TAKEDOWN_SUSPEND_ON_CSAM is
off; the account page (console and staff API) shows cases, strikes and uploads blocked at scan."""

from __future__ import annotations

from fastapi.testclient import TestClient

from takedown.api.app import create_app
from takedown.enforcement.models import OutboxEvent
from takedown.store.db import session_scope
from tests.enforcement_support import decide_violating, report_with_media, scan
from tests.media import generated_scene, jpeg
from tests.review_support import console, make_user, staff_headers


def _suspended(settings) -> list[str]:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        rows = db_session.query(OutboxEvent).filter_by(event_type="account.suspend")
        return [row.payload()["data"]["account_id"] for row in rows]


def test_strike_threshold_suspends_and_history_shows_it(settings, make_api_key):
    settings = settings.model_copy(update={"strike_threshold": 2})
    key = make_api_key("scan")
    app = create_app(settings)
    with TestClient(app) as client:
        cases = []
        for n in (1, 2):
            filed = report_with_media(
                client,
                jpeg(generated_scene(80 + n)),
                content_id=f"post-{n}",
                account_id="acct-repeat",
                category="non_consensual_intimate_imagery",
            )
            decide_violating(client, settings, filed["case_id"], username=f"r{n}", policy="ncii")
            cases.append(filed["case_id"])
            assert _suspended(settings) == ([] if n == 1 else ["acct-repeat"])
        client.app.state.index.refresh()
        blocked = scan(client, key, jpeg(generated_scene(81)), "post-again", "acct-repeat")
        assert blocked["verdict"] == "block"

        make_user(settings, "rev", "reviewer")
        history = client.get(
            "/v1/accounts/acct-repeat", headers=staff_headers(client, settings, "rev")
        ).json()
        assert history["status"] == "suspended" and history["strike_count"] == 2
        assert "2 strikes" in history["suspended_reason"]
        assert sorted(s["case_id"] for s in history["strikes"]) == sorted(cases)
        assert sorted(c["case_id"] for c in history["cases"]) == sorted(cases)
        assert [u["content_id"] for u in history["uploads_blocked"]] == ["post-again"]
        assert (
            client.get(
                "/v1/accounts/nobody", headers=staff_headers(client, settings, "rev")
            ).status_code
            == 404
        )

        page = console(app, "rev").get("/console/accounts/acct-repeat")
        assert page.status_code == 200
        assert "suspended" in page.text and "post-again" in page.text
        assert all(case_id in page.text for case_id in cases)


def test_csam_suspends_at_once_unless_switched_off(settings):
    with TestClient(create_app(settings)) as client:
        filed = report_with_media(
            client, jpeg(generated_scene(91)), content_id="c1", account_id="u1"
        )
        decide_violating(client, settings, filed["case_id"], username="r1", classification="A1")
    assert _suspended(settings) == ["u1"]

    off = settings.model_copy(update={"suspend_on_csam": False})
    with TestClient(create_app(off)) as client:
        filed = report_with_media(
            client, jpeg(generated_scene(92)), content_id="c2", account_id="u2"
        )
        decide_violating(client, off, filed["case_id"], username="r2", classification="A1")
        make_user(off, "law", "legal")
        history = client.get("/v1/accounts/u2", headers=staff_headers(client, off, "law")).json()
        assert history["status"] == "active" and history["strike_count"] == 1
    assert _suspended(settings) == ["u1"]
