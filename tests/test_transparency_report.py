"""`takedown report transparency --from DATE --to DATE --output DIR` writes an HTML report with
embedded matplotlib plots and CSV data: reports and cases by category and source, outcomes,
median and 90th-percentile time from first report to action, deadline breaches, copies removed,
uploads blocked, NCMEC reports filed, appeals and reversals."""

from __future__ import annotations

import base64
import csv
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from takedown import clock
from takedown.api.app import create_app
from takedown.ncmec.scheduled import file_due_reports
from tests.enforcement_support import (  # noqa: F401
    decide_violating,
    moving_clock,
    report_with_media,
    scan,
)
from tests.media import generated_scene, jpeg
from tests.ncmec_factories import ncmec_settings, sandbox
from tests.review_support import make_user, report, staff_headers


def _summary(path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with (path / "summary.csv").open() as handle:
        return {row["metric"]: row["value"] for row in csv.DictReader(handle)}


@pytest.mark.usefixtures("moving_clock")
def test_transparency_report_counts_what_happened(settings, make_api_key, cli, tmp_path):
    scan_key, report_key = make_api_key("scan"), make_api_key("report")
    ncii, csam = jpeg(generated_scene(31)), jpeg(generated_scene(32))
    with sandbox() as server:
        settings = ncmec_settings(settings, server)
        app = create_app(settings)
        with TestClient(app) as client:
            today = clock.now().date()
            scan(client, scan_key, ncii, "copy-1", "acct-b")  # an earlier identical copy
            scan(client, scan_key, jpeg(generated_scene(33)), "other-1", "acct-x")
            ncii_case = report_with_media(
                client,
                ncii,
                content_id="post-ncii",
                account_id="acct-a",
                category="non_consensual_intimate_imagery",
            )
            csam_case = report_with_media(client, csam, content_id="post-csam", account_id="acct-c")
            terms_case = report(client, category="terms_violation", content_id="post-terms")
            clock.advance(timedelta(hours=3))
            last_day = clock.now().date()  # the next day's when this runs after 21:00 UTC
            decide_violating(client, settings, ncii_case["case_id"], username="r1", policy="ncii")
            decide_violating(
                client, settings, csam_case["case_id"], username="r2", classification="B2"
            )
            make_user(settings, "r3", "reviewer")
            no = client.post(
                f"/v1/cases/{terms_case['case_id']}/decisions",
                json={"outcome": "no_violation", "reason": "fine"},
                headers=staff_headers(client, settings, "r3"),
            )
            assert no.status_code == 201, no.text
            assert list(file_due_reports(settings).values()) == ["finished"]
            client.app.state.index.refresh()
            assert scan(client, scan_key, ncii, "again-1", "acct-d")["verdict"] == "block"
            appeal = client.post(
                "/v1/uploader-appeals",
                json={"case_id": ncii_case["case_id"], "reason": "please look again"},
                headers={"Authorization": f"Bearer {report_key}"},
            )
            assert appeal.status_code == 201, appeal.text
            make_user(settings, "r4", "reviewer")
            overturned = client.post(
                f"/v1/appeals/{appeal.json()['appeal_id']}/decisions",
                json={"outcome": "overturned", "reason": "mistake"},
                headers=staff_headers(client, settings, "r4"),
            )
            assert overturned.status_code == 201, overturned.text

    out = tmp_path / "report"
    result = cli(
        "report", "transparency", "--from", str(today), "--to", str(last_day), "--output", str(out)
    )
    assert result.exit_code == 0, result.output
    summary = _summary(out)
    assert summary["reports"] == "3"
    assert summary["cases_opened"] == "3"
    assert summary["cases_actioned"] == "2" and summary["cases_no_action"] == "1"
    assert summary["reported_items_removed"] == "2"
    assert summary["copies_removed"] == "1"
    assert summary["uploads_blocked"] == "1" and summary["uploads_scanned"] == "3"
    assert summary["ncmec_reports_filed"] == "1"
    assert summary["appeals"] == "1" and summary["reversals"] == "1"
    assert summary["deadline_breaches"] == "1"  # the P0 child-safety case (1 h) took 3 h
    median = float(summary["median_hours_report_to_action"])
    p90 = float(summary["p90_hours_report_to_action"])
    assert 3.0 <= median <= p90 < 3.1
    by_category = {
        r["category"]: r["reports"]
        for r in csv.DictReader((out / "reports_by_category.csv").open())
    }
    assert by_category == {
        "child_sexual_abuse": "1",
        "non_consensual_intimate_imagery": "1",
        "terms_violation": "1",
    }
    sources = {r["source"] for r in csv.DictReader((out / "reports_by_source.csv").open())}
    assert "victim" in sources
    # How each source's cases came out: the victim's case was acted on.
    by_source = {
        (r["source"], r["outcome"]): r["cases"]
        for r in csv.DictReader((out / "outcomes_by_source.csv").open())
    }
    assert by_source[("victim", "violating")] == "1"
    assert sum(int(n) for n in by_source.values()) == 3

    page = (out / "report.html").read_text()
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 4
    assert all(base64.b64decode(i).startswith(b"\x89PNG\r\n\x1a\n") for i in images)
    assert "Deadline breaches" in page and "copies_removed" in page

    # A period with nothing in it reports zeros, not errors.
    empty = tmp_path / "empty"
    day = str(today - timedelta(days=30))
    assert (
        cli("report", "transparency", "--from", day, "--to", day, "--output", str(empty)).exit_code
        == 0
    )
    assert _summary(empty)["reports"] == "0"
    bad = cli("report", "transparency", "--from", str(today), "--to", day)
    assert bad.exit_code != 0
