"""Rule: an upload blocked by a CSAM bank is not the end of it. Each one opens a case (no notice
behind it: channel hash_match, DSA source voluntary), P1 because it was never shown, with the
bank match in words; its media is fetched from the platform; a reviewer's violating decision files
the CyberTipline report and suspends the account. Uploads blocked by other banks, or allowed, open
nothing; each blocked upload opens one case however often the job runs."""

from __future__ import annotations

import csv
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from takedown import clock
from takedown.api.app import create_app
from takedown.cases.blocked_uploads import open_cases_for_blocked_uploads
from takedown.cases.fetching import fetch_pending_media
from takedown.ncmec.scheduled import file_due_reports
from tests.enforcement_support import (  # noqa: F401 (moving_clock: fixture)
    bank_pictures,
    moving_clock,
    scan,
)
from tests.media import generated_scene, jpeg
from tests.ncmec_factories import ncmec_settings, sandbox
from tests.reports_support import platform_server
from tests.review_support import console, make_user, staff_headers

KNOWN = jpeg(generated_scene(9393))
OTHER_KNOWN = jpeg(generated_scene(9494))


@pytest.mark.usefixtures("moving_clock")
def test_upload_blocked_as_csam_opens_a_case(settings, make_api_key):
    # The platform keeps blocked uploads for Takedown (and the law), served by content id.
    with sandbox() as ncmec, platform_server(media={"up-1": KNOWN}) as (_, port):
        settings = ncmec_settings(
            settings,
            ncmec,
            platform_media_url=f"http://127.0.0.1:{port}/media/{{content_id}}",
            platform_media_allowed_hosts=["127.0.0.1"],
        )
        key = make_api_key("scan", "banks")
        auth = {"Authorization": f"Bearer {key}"}
        app = create_app(settings)
        with TestClient(app) as client:
            bank_pictures(client, auth, "industry", KNOWN, category="csam")
            bank_pictures(client, auth, "spam-images", OTHER_KNOWN, category="other")
            assert scan(client, key, KNOWN, "up-1", "acct-bad")["verdict"] == "block"
            assert scan(client, key, OTHER_KNOWN, "up-2", "acct-spam")["verdict"] == "block"
            assert scan(client, key, jpeg(generated_scene(1)), "up-3", "acct-ok")["verdict"] == (
                "allow"
            )

            assert open_cases_for_blocked_uploads(settings, app.state.index) == 0  # settling
            clock.advance(timedelta(seconds=11))
            assert open_cases_for_blocked_uploads(settings, app.state.index) == 1
            assert open_cases_for_blocked_uploads(settings, app.state.index) == 0  # once

            make_user(settings, "csr", "child_safety_reviewer")
            csr = staff_headers(client, settings, "csr")
            (listed,) = client.get("/v1/cases?queue=all", headers=csr).json()["cases"]
            case = client.get(f"/v1/cases/{listed['case_id']}", headers=csr).json()
            assert (case["content_id"], case["account_id"]) == ("up-1", "acct-bad")
            assert case["category"] == "child_sexual_abuse" and case["priority"] == "P1"
            assert "blocked at upload, never shown (P1)" in case["priority_reasons"]
            (report,) = case["reports"]
            assert report["channel"] == "hash_match"
            assert "bank industry entry" in report["explanation"]

            page = console(app, "csr").get(f"/console/cases/{case['case_id']}").text
            assert "found by Takedown: blocked at upload" in page and "anonymous" not in page

            assert fetch_pending_media(settings, app.state.index) == 1
            decided = client.post(
                f"/v1/cases/{case['case_id']}/decisions",
                json={
                    "outcome": "violating",
                    "policy": "child_sexual_abuse_material",
                    "classification": "A2",
                    "reason": "confirmed (benign stand-in)",
                },
                headers=csr,
            )
            assert decided.status_code == 201, decided.text
            assert file_due_reports(settings)
            (filed,) = ncmec.state.reports.values()
            assert filed.status == "finished" and len(filed.files) == 1
            account = client.get("/v1/accounts/acct-bad", headers=csr).json()
            assert account["status"] == "suspended"


def test_switched_off_nothing_is_opened(client, settings, make_api_key, cli, tmp_path):
    key = make_api_key("scan", "banks")
    bank_pictures(client, {"Authorization": f"Bearer {key}"}, "industry", KNOWN)
    assert scan(client, key, KNOWN, "up-9", "acct-9")["verdict"] == "block"
    off = settings.model_copy(update={"blocked_csam_opens_cases": False})
    clock.advance(timedelta(seconds=11))
    try:
        assert open_cases_for_blocked_uploads(off) == 0
        assert open_cases_for_blocked_uploads(settings) == 1
    finally:
        clock.reset()

    # In the transparency report the case is Takedown's own initiative, not a notice.
    today = str(clock.now().date())
    made = cli("report", "transparency", "--from", today, "--to", today, "--output", str(tmp_path))
    assert made.exit_code == 0, made.output
    with (tmp_path / "summary.csv").open() as handle:
        summary = {row["metric"]: row["value"] for row in csv.DictReader(handle)}
    with (tmp_path / "cases_by_source.csv").open() as handle:
        sources = {row["source"]: row["cases"] for row in csv.DictReader(handle)}
    assert summary["reports"] == "0" and summary["cases_opened"] == "1"
    assert sources == {"own initiative (hash match)": "1"}


def test_the_cursor_never_passes_a_row_it_has_not_taken(client, settings, make_api_key):
    """Two scans whose match events commit out of time order (the later id has the earlier
    time, as concurrent scans can): the job waits until both have settled, then takes both."""
    from datetime import UTC, datetime

    key = make_api_key("scan", "banks")
    bank_pictures(client, {"Authorization": f"Bearer {key}"}, "industry", KNOWN)
    start = datetime.now(UTC)
    with clock.frozen_at(start):
        assert scan(client, key, KNOWN, "up-late", "acct-1")["verdict"] == "block"  # lower id
    with clock.frozen_at(start - timedelta(seconds=5)):
        assert scan(client, key, KNOWN, "up-early", "acct-2")["verdict"] == "block"
    with clock.frozen_at(start + timedelta(seconds=8)):  # the earlier one settled, not the other
        assert open_cases_for_blocked_uploads(settings) == 0
    with clock.frozen_at(start + timedelta(seconds=11)):
        assert open_cases_for_blocked_uploads(settings) == 2
