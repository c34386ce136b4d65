"""Rule: known material found up is taken down at once, not after a review queue. A live upload
the lookback finds in a `block` bank (which would have stopped it at upload) is removed when it
is found: a `content.remove` event with a statement of reasons saying it was automatic, and the
case opens for review. The reviewer's violating decision keeps it down (removed once); a closing
"no violation" (two reviewers, child safety) restores it. A match in a `review` bank is left up
for the reviewer."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown import clock
from takedown.api.app import create_app
from takedown.audit.models import AuditEntry
from takedown.enforcement.models import OutboxEvent
from takedown.lookback.service import run_lookback
from takedown.store.db import session_scope
from tests.enforcement_support import (  # noqa: F401 (moving_clock: fixture)
    bank_pictures,
    decide_violating,
    moving_clock,
    scan,
)
from tests.media import generated_scene, jpeg
from tests.review_support import console, make_user, staff_headers


def _case_of(client: TestClient, staff: dict[str, str], content_id: str) -> str:
    listed = client.get("/v1/cases?queue=all", headers=staff).json()["cases"]
    for summary in listed:
        case = client.get(f"/v1/cases/{summary['case_id']}", headers=staff).json()
        if case["content_id"] == content_id:
            return str(case["case_id"])
    raise AssertionError(f"no case for {content_id}")


def _removal_body(settings, content_id: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    with session_scope(settings.resolved_database_url) as db_session:
        (body,) = db_session.scalars(
            select(OutboxEvent.body).where(
                OutboxEvent.event_type == "content.remove", OutboxEvent.subject == content_id
            )
        ).all()
    return dict(json.loads(body))


@pytest.mark.usefixtures("moving_clock")
def test_live_upload_matching_a_block_bank_is_removed_at_once(settings, make_api_key):  # type: ignore[no-untyped-def]
    key = make_api_key("scan", "banks")
    auth = {"Authorization": f"Bearer {key}"}
    cleared, confirmed, watched = (generated_scene(n) for n in (7111, 7222, 7333))
    app = create_app(settings)
    with TestClient(app) as client:
        for content_id, picture in (("up-1", cleared), ("up-2", confirmed), ("up-3", watched)):
            assert scan(client, key, jpeg(picture, 85), content_id, f"acct-{content_id}")[
                "verdict"
            ] == "allow"  # fmt: skip
        bank_pictures(client, auth, "industry", jpeg(cleared), jpeg(confirmed))
        bank_pictures(client, auth, "watchlist", jpeg(watched), action="review")
        clock.advance(timedelta(seconds=11))
        assert run_lookback(settings, app.state.index) == 3

        make_user(settings, "alice", "child_safety_reviewer")
        make_user(settings, "bob", "child_safety_reviewer")
        alice = staff_headers(client, settings, "alice")
        bob = staff_headers(client, settings, "bob")

        # Found in a block bank: down at once, before anyone reviewed it.
        first = _case_of(client, alice, "up-1")
        enforcement = client.get(f"/v1/cases/{first}/enforcement", headers=alice).json()
        [item] = enforcement["items"]
        assert (item["content_id"], item["match_kind"], item["restored_at"]) == (
            "up-1", "similar", None,
        )  # fmt: skip
        removal = _removal_body(settings, "up-1")
        assert removal["data"]["account_id"] == "acct-up-1"
        assert "removed automatically" in removal["data"]["statement_of_reasons"]["decision_facts"]
        case = client.get(f"/v1/cases/{first}", headers=alice).json()
        assert case["status"] == "open" and case["priority"] == "P0"
        assert "Removed at once" in case["reports"][0]["explanation"]
        page = console(app, "alice").get(f"/console/cases/{first}").text
        assert 'id="down-before-decision"' in page

        # Two reviewers find no violation: the upload is restored.
        for reviewer in (alice, bob):
            answer = client.post(
                f"/v1/cases/{first}/decisions",
                json={"outcome": "no_violation", "reason": "not the listed picture"},
                headers=reviewer,
            )
            assert answer.status_code == 201, answer.text
        [item] = client.get(f"/v1/cases/{first}/enforcement", headers=alice).json()["items"]
        assert item["restored_at"] is not None
        page = console(app, "alice").get(f"/console/cases/{first}").text
        assert 'id="down-before-decision"' not in page
        events = enforcement_events(client, alice, first)
        assert events.count("content.remove") == 1 and "content.restore" in events

        # Confirmed: it stays down, removed once.
        second = _case_of(client, alice, "up-2")
        decide_violating(client, settings, second, username="carol", classification="A1")
        [item] = client.get(f"/v1/cases/{second}/enforcement", headers=alice).json()["items"]
        assert (item["content_id"], item["restored_at"]) == ("up-2", None)
        assert enforcement_events(client, alice, second).count("content.remove") == 1

        # A review bank's match stays up for the reviewer.
        third = _case_of(client, alice, "up-3")
        assert client.get(f"/v1/cases/{third}/enforcement", headers=alice).json()["items"] == []

    with session_scope(settings.resolved_database_url) as db_session:
        removed = db_session.scalars(
            select(AuditEntry.subject).where(AuditEntry.action == "live_upload.removed")
        ).all()
    assert sorted(removed) == sorted([first, second])


def enforcement_events(client: TestClient, staff: dict[str, str], case_id: str) -> list[str]:
    answer = client.get(f"/v1/cases/{case_id}/enforcement", headers=staff).json()
    return [event["type"] for event in answer["events"]]


@pytest.mark.usefixtures("moving_clock")
def test_a_live_upload_under_review_found_again_in_a_block_bank_is_removed(settings, make_api_key):  # type: ignore[no-untyped-def]
    """Found first in a review bank (left up, under review), then in a block bank banked later:
    the second finding is news, reported into the same case, and the upload comes down."""
    key = make_api_key("scan", "banks")
    auth = {"Authorization": f"Bearer {key}"}
    picture = generated_scene(7444)
    app = create_app(settings)
    with TestClient(app) as client:
        assert scan(client, key, jpeg(picture, 85), "up-9", "acct-9")["verdict"] == "allow"
        bank_pictures(client, auth, "watchlist", jpeg(picture), action="review")
        clock.advance(timedelta(seconds=11))
        assert run_lookback(settings, app.state.index) == 1
        bank_pictures(client, auth, "industry", jpeg(picture))
        clock.advance(timedelta(seconds=11))
        assert run_lookback(settings, app.state.index) == 1

        make_user(settings, "alice", "child_safety_reviewer")
        alice = staff_headers(client, settings, "alice")
        case_id = _case_of(client, alice, "up-9")
        case = client.get(f"/v1/cases/{case_id}", headers=alice).json()
        assert [r["channel"] for r in case["reports"]] == ["found_after_upload"] * 2
        assert "bank industry" in case["reports"][1]["explanation"]
        assert _removal_body(settings, "up-9")["data"]["content_id"] == "up-9"
        # Run again: nothing new, nothing twice.
        clock.advance(timedelta(seconds=11))
        run_lookback(settings, app.state.index)
        again = client.get(f"/v1/cases/{case_id}", headers=alice).json()
        assert len(again["reports"]) == 2
