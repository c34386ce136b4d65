"""Rule: when reviewers decided a post does not violate (two child-safety reviewers' "no
violation", or a removal overturned on appeal), re-scanning that same content (the same
content_id, the same file) with `published=true` does not take it down again or open a new case.
Only an entry banked after that decision opens a case, for review, and the post stays up until a
reviewer decides; other media under the same content id is scanned as ever."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown.api.app import create_app
from takedown.cases.models import Case
from takedown.store.db import session_scope
from tests.enforcement_support import bank_pictures, removal_orders
from tests.media import generated_scene, jpeg, stand_in
from tests.review_support import make_user, staff_headers


def _scan(client: TestClient, key: str, data: bytes, content_id: str) -> dict:  # type: ignore[type-arg]
    answer = client.post(
        "/v1/scan",
        files={"file": ("live.jpg", data, "image/jpeg")},
        data={"content_id": content_id, "account_id": "acct-live", "published": "true"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _cases(settings, content_id: str) -> int:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        return len(db_session.scalars(select(Case.id).where(Case.content_id == content_id)).all())


def test_a_rescan_does_not_take_down_content_reviewers_cleared(settings, make_api_key):
    key = make_api_key("scan", "banks")
    auth = {"Authorization": f"Bearer {key}"}
    picture = jpeg(stand_in("rocket"))
    with TestClient(create_app(settings)) as client:
        bank_pictures(client, auth, "industry", picture)
        first = _scan(client, key, picture, "live-1")
        assert first["case_id"] and removal_orders(settings) == ["live-1"]

        for reviewer in ("csr-1", "csr-2"):  # child safety: "no violation" needs two reviewers
            make_user(settings, reviewer, "child_safety_reviewer")
            decided = client.post(
                f"/v1/cases/{first['case_id']}/decisions",
                json={"outcome": "no_violation", "reason": "a rocket launch photo"},
                headers=staff_headers(client, settings, reviewer),
            )
            assert decided.status_code == 201, decided.text
        case = client.get(
            f"/v1/cases/{first['case_id']}", headers=staff_headers(client, settings, "csr-1")
        ).json()
        assert case["status"] == "no_action"

        again = _scan(client, key, picture, "live-1")
        assert again["verdict"] == "block"  # the bank still matches; the answer says so
        assert again["case_id"] is None
        assert removal_orders(settings) == ["live-1"] and _cases(settings, "live-1") == 1

        # Other media under the same content id is not what the reviewers cleared.
        other = jpeg(generated_scene(4601))
        bank_pictures(client, auth, "industry", other)
        changed = _scan(client, key, other, "live-1")
        assert changed["case_id"], changed
        assert changed["case_id"] != first["case_id"], (changed, first)
        assert removal_orders(settings) == ["live-1", "live-1"]

        # An entry banked since the decision is news: a case for review, the post left up.
        bank_pictures(client, auth, "exchange", picture)
        client.app.state.index.refresh()
        news = _scan(client, key, picture, "live-1")
        assert news["case_id"] and news["case_id"] != first["case_id"]
        assert removal_orders(settings) == ["live-1", "live-1"]
        reports = client.get(
            f"/v1/cases/{news['case_id']}", headers=staff_headers(client, settings, "csr-1")
        ).json()["reports"]
        assert reports[-1]["explanation"].startswith(f"Cleared in case {first['case_id']}")


def test_a_rescan_does_not_take_down_content_restored_on_appeal(settings, make_api_key):
    """The audit's case: removed on a back-catalogue match, confirmed, then restored by two
    reviewers on the uploader's appeal; a re-scan leaves it up and opens no P0 case."""
    from tests.enforcement_support import decide_violating, platform_key

    key = make_api_key("scan", "banks")
    auth = {"Authorization": f"Bearer {key}"}
    picture = jpeg(stand_in("rocket"))
    with TestClient(create_app(settings)) as client:
        bank_pictures(client, auth, "industry", picture)
        first = _scan(client, key, picture, "live-2")
        decide_violating(client, settings, first["case_id"], username="csr-1", classification="A1")
        appeal = client.post(
            "/v1/uploader-appeals",
            json={"case_id": first["case_id"], "reason": "it is a rocket"},
            headers={"Authorization": f"Bearer {platform_key(client, 'report')}"},
        )
        assert appeal.status_code == 201, appeal.text
        for reviewer in ("csr-2", "csr-3"):
            make_user(settings, reviewer, "child_safety_reviewer")
            decided = client.post(
                f"/v1/appeals/{appeal.json()['appeal_id']}/decisions",
                json={"outcome": "overturned", "reason": "a rocket launch photo"},
                headers=staff_headers(client, settings, reviewer),
            )
            assert decided.status_code == 201, decided.text
        assert removal_orders(settings) == ["live-2"]

        again = _scan(client, key, picture, "live-2")
        assert again["case_id"] is None
        assert removal_orders(settings) == ["live-2"] and _cases(settings, "live-2") == 1
