"""Rule: the transparency report (report.html and its CSV files, made to be published) holds
counts and durations only: no case id (a case id carries its report's time to the millisecond),
no content or account id, nothing a reporter wrote about themselves or the content, and none of
a reviewer's own words."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from takedown import clock
from takedown.api.app import create_app
from tests.enforcement_support import decide_violating, moving_clock  # noqa: F401
from tests.review_support import report


@pytest.mark.usefixtures("moving_clock")
def test_the_report_files_hold_no_identifier_or_free_text(settings, cli, tmp_path):  # type: ignore[no-untyped-def]
    with TestClient(create_app(settings)) as client:
        today = clock.now().date()
        filed = report(
            client,
            category="terms_violation",
            content_id="post-zq7731",
            account_id="acct-zq7731",
            content_url="https://platform.example/p/zq7731",
            explanation="Posted by my neighbour Zebulon Quist",
            reporter={"name": "Yolanda Reportera", "email": "yolanda.r@example.org"},
            signature="Yolanda Reportera",
        )
        clock.advance(timedelta(hours=2))
        decide_violating(
            client,
            settings,
            filed["case_id"],
            username="rev-zq",
            policy="terms_of_service",
            reason="Reviewer note: spoke with Zebulon's school",
        )
    out = tmp_path / "report"
    result = cli(
        "report",
        "transparency",
        "--from",
        str(today),
        "--to",
        str(clock.now().date()),
        "--output",
        str(out),
    )
    assert result.exit_code == 0, result.output
    written = {path.name: path.read_text() for path in out.iterdir()}
    assert "time_to_action.csv" in written and "2.0" in written["time_to_action.csv"]
    needles = [filed["case_id"], "zq7731", "Zebulon", "Quist", "Yolanda", "yolanda.r", "rev-zq"]
    for name, text in written.items():
        for needle in needles:
            assert needle not in text, f"{needle!r} is published in {name}"
