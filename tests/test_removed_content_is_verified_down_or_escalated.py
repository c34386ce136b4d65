"""Rule: a removal order is not the end. Where the platform has a status endpoint
(TAKEDOWN_PLATFORM_CONTENT_STATUS_URL), each removed item is checked after
`removal_check_minutes`; one still visible is audited, sent to on-call and checked again at
doubling intervals until it is down (recorded as verified, with the minutes it took). A reversed
removal is not checked, and without a status endpoint nothing is asked and the case page says so.
"""

from __future__ import annotations

import csv
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown import clock
from takedown.api.app import create_app
from takedown.audit.models import AuditEntry
from takedown.enforcement.removal_checks import check_due_removals
from takedown.notify.models import Notification
from takedown.store.db import session_scope
from tests.enforcement_support import (  # noqa: F401 (moving_clock is a fixture)
    decide_violating,
    moving_clock,
    overturn_on_uploader_appeal,
    report_with_media,
)
from tests.media import generated_scene, jpeg
from tests.metrics_support import metrics_text
from tests.reports_support import platform_server
from tests.review_support import console, make_user, staff_headers


@pytest.fixture
def platform_status():  # type: ignore[no-untyped-def]
    """The platform's status endpoint: 200 while an item is visible, 404 once it is down."""
    with platform_server() as (platform, port):
        yield platform, f"http://127.0.0.1:{port}/status/{{content_id}}"


@pytest.fixture(autouse=True)
def auditor(settings):  # type: ignore[no-untyped-def]
    make_user(settings, "auditor", "child_safety_reviewer")


def _checking(settings, status_url: str, **more: object):  # type: ignore[no-untyped-def]
    """Settings with removal checks on: the platform's status endpoint on this machine."""
    return settings.model_copy(
        update={
            "platform_content_status_url": status_url,
            "platform_media_allowed_hosts": ["127.0.0.1"],
            **more,
        }
    )


def _items(client, settings, case_id):  # type: ignore[no-untyped-def]
    answer = client.get(
        f"/v1/cases/{case_id}/enforcement", headers=staff_headers(client, settings, "auditor")
    )
    return {item["content_id"]: item for item in answer.json()["items"]}


def _audited(settings, case_id, action):  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        return db_session.scalars(
            select(AuditEntry).where(AuditEntry.subject == case_id, AuditEntry.action == action)
        ).all()


@pytest.mark.usefixtures("moving_clock")
def test_removed_content_is_verified_down_or_escalated(settings, platform_status, cli, tmp_path):
    platform, status_url = platform_status
    settings = _checking(settings, status_url, oncall_webhook_url="http://127.0.0.1:9/oncall")
    app = create_app(settings)
    with TestClient(app) as client:
        filed = report_with_media(
            client, jpeg(generated_scene(7171)), content_id="post-up", account_id="acct-up"
        )
        case_id = filed["case_id"]
        decide_violating(client, settings, case_id, classification="A2")
        ordered_on = clock.now().date()
        platform.visible = {"post-up"}  # the platform has not acted on the order

        assert check_due_removals(settings).still_up == 0  # not due before 15 minutes
        assert platform.asked == []
        assert _items(client, settings, case_id)["post-up"]["removal"] == "awaiting_check"

        clock.advance(timedelta(minutes=16))
        run = check_due_removals(settings)
        assert (run.still_up, run.verified) == (1, 0)
        item = _items(client, settings, case_id)["post-up"]
        assert item["removal"] == "still_up" and item["still_up_checks"] == 1
        (still_up,) = _audited(settings, case_id, "content.still_up")
        assert still_up.details["content_id"] == "post-up"
        with session_scope(settings.resolved_database_url) as db_session:
            alerts = db_session.scalars(
                select(Notification).where(Notification.kind == "content.still_up")
            ).all()
        assert [a.case_id for a in alerts] == [case_id]
        assert "still visible" in alerts[0].payload["summary"]
        page = console(app, "auditor").get(f"/console/cases/{case_id}").text
        assert "Still visible" in page and "on-call alerted" in page
        assert "takedown_removed_items_still_up 1.0" in metrics_text(client)
        # The reporter is not told it is gone while it is not.
        tracked = client.get(f"/track/{filed['tracking_token']}").text
        assert "we are checking that it comes down" in tracked
        assert "no longer visible" not in tracked

        # Asked again after twice the wait (30 min), not before.
        clock.advance(timedelta(minutes=20))
        assert check_due_removals(settings).still_up == 0
        clock.advance(timedelta(minutes=11))
        assert check_due_removals(settings).still_up == 1
        assert _items(client, settings, case_id)["post-up"]["still_up_checks"] == 2

        platform.visible = set()  # the platform takes it down
        clock.advance(timedelta(minutes=61))
        assert check_due_removals(settings).verified == 1
        item = _items(client, settings, case_id)["post-up"]
        assert item["removal"] == "verified_down" and item["removal_verified_at"]
        assert "takedown_removed_items_still_up 0.0" in metrics_text(client)
        (verified,) = _audited(settings, case_id, "content.removal_verified")
        assert verified.details["checks_still_up_before"] == 2
        assert verified.details["minutes_after_order"] >= 107

        asked = len(platform.asked)
        clock.advance(timedelta(hours=12))
        check_due_removals(settings)
        assert len(platform.asked) == asked  # verified items are not asked again
        assert "Verified down" in console(app, "auditor").get(f"/console/cases/{case_id}").text

    # The transparency report counts it: verified down, how long it took, seen still up.
    period = (str(ordered_on), str(clock.now().date()))
    out = tmp_path / "transparency"
    made = cli(
        "report", "transparency", "--from", period[0], "--to", period[1], "--output", str(out)
    )
    assert made.exit_code == 0, made.output
    with (out / "summary.csv").open() as handle:
        summary = {row["metric"]: row["value"] for row in csv.DictReader(handle)}
    assert summary["removals_verified_down"] == "1"
    assert summary["removals_seen_still_up_after_the_order"] == "1"
    assert float(summary["median_minutes_removal_order_to_verified_down"]) >= 107


def test_without_a_status_endpoint_nothing_is_asked(client, app, settings, platform_status):
    platform, _ = platform_status
    filed = report_with_media(
        client, jpeg(generated_scene(7272)), content_id="post-x", account_id="acct-x"
    )
    decide_violating(client, settings, filed["case_id"], classification="A2")
    assert check_due_removals(settings).still_up == 0
    assert platform.asked == []
    assert _items(client, settings, filed["case_id"])["post-x"]["removal"] == "not_checked"
    tracked = client.get(f"/track/{filed['tracking_token']}").text
    assert "Removal ordered on" in tracked and "checking" not in tracked
    page = console(app, "auditor").get(f"/console/cases/{filed['case_id']}").text
    assert "Not checked: the platform has no status endpoint" in page


@pytest.mark.usefixtures("moving_clock")
def test_a_reversed_removal_is_not_checked(settings, make_api_key, platform_status):
    platform, status_url = platform_status
    settings = _checking(settings, status_url)
    report_key = make_api_key("report")
    with TestClient(create_app(settings)) as client:
        filed = report_with_media(
            client,
            jpeg(generated_scene(7373)),
            content_id="post-back",
            account_id="acct-back",
            category="non_consensual_intimate_imagery",
        )
        decide_violating(client, settings, filed["case_id"], username="first", policy="ncii")
        overturn_on_uploader_appeal(client, settings, filed["case_id"], report_key)
        platform.visible = {"post-back"}  # restored, so visible again: as it should be
        clock.advance(timedelta(hours=1))
        assert check_due_removals(settings).still_up == 0
        assert platform.asked == []
        item = _items(client, settings, filed["case_id"])["post-back"]
        assert item["removal"] == "restored"


@pytest.mark.usefixtures("moving_clock")
def test_no_answer_is_not_counted_either_way(settings):
    settings = _checking(settings, "http://127.0.0.1:9/status/{content_id}")  # refused
    with TestClient(create_app(settings)) as client:
        filed = report_with_media(
            client, jpeg(generated_scene(7474)), content_id="post-q", account_id="acct-q"
        )
        decide_violating(client, settings, filed["case_id"], classification="A2")
        clock.advance(timedelta(minutes=16))
        run = check_due_removals(settings)
        assert (run.unknown, run.still_up, run.verified) == (1, 0, 0)
        item = _items(client, settings, filed["case_id"])["post-q"]
        assert item["removal"] == "awaiting_check" and item["still_up_checks"] == 0
        assert item["removal_check_error"]
        assert check_due_removals(settings).unknown == 0  # asked again after the wait, not now
        clock.advance(timedelta(minutes=16))
        assert check_due_removals(settings).unknown == 1
