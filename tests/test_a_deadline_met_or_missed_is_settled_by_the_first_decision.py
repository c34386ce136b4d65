"""Rule: whether a case met its deadline is settled by its first final decision, against the
deadline it was made under. An appeal decided later (upheld, weeks after the period) does not turn
a case decided in time into a missed deadline, and an appeal (which starts a new deadline on the
case) does not turn a missed deadline into a met one: not in the transparency report of the
period, nor in the "decided in the last day" gauge."""

from __future__ import annotations

import csv
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from takedown import clock
from takedown.api.app import create_app
from takedown.cases.metrics import case_load
from takedown.store.db import session_scope
from tests.enforcement_support import decide_violating, moving_clock  # noqa: F401
from tests.review_support import make_user, report, staff_headers


def _breaches(cli, out, start, end) -> int:  # type: ignore[no-untyped-def]
    result = cli(
        "report", "transparency", "--from", str(start), "--to", str(end), "--output", str(out)
    )
    assert result.exit_code == 0, result.output
    with (out / "summary.csv").open() as handle:
        summary = {row["metric"]: row["value"] for row in csv.DictReader(handle)}
    return int(summary["deadline_breaches"])


@pytest.mark.usefixtures("moving_clock")
def test_an_upheld_appeal_weeks_later_is_no_missed_deadline(settings, make_api_key, cli, tmp_path):  # type: ignore[no-untyped-def]
    report_key = make_api_key("report")
    with TestClient(create_app(settings)) as client:
        today = clock.now().date()
        # A terms report: a 7-day deadline, decided within the hour.
        filed = report(client, category="terms_violation", content_id="post-appealed")
        clock.advance(timedelta(hours=1))
        decide_violating(
            client, settings, filed["case_id"], username="first", policy="terms_of_service"
        )
        appeal = client.post(
            "/v1/uploader-appeals",
            json={"case_id": filed["case_id"], "reason": "please look again"},
            headers={"Authorization": f"Bearer {report_key}"},
        )
        assert appeal.status_code == 201, appeal.text
        period_end = today + timedelta(days=10)  # the 7-day deadline falls inside it
        assert _breaches(cli, tmp_path / "before", today, period_end) == 0

        clock.advance(timedelta(days=30))  # the appeal is decided after the period ended
        make_user(settings, "second", "reviewer")
        upheld = client.post(
            f"/v1/appeals/{appeal.json()['appeal_id']}/decisions",
            json={"outcome": "upheld", "reason": "the removal stands"},
            headers=staff_headers(client, settings, "second"),
        )
        assert upheld.status_code == 201, upheld.text

    assert _breaches(cli, tmp_path / "after", today, period_end) == 0
    with session_scope(settings.resolved_database_url) as db_session:
        load = case_load(db_session)
    # The appeal decided today is not a case decided today, late, 30 days after its report.
    assert sum(p.decided_last_day_late for p in load.by_priority.values()) == 0


@pytest.mark.usefixtures("moving_clock")
def test_an_appeal_does_not_erase_a_missed_deadline(settings, make_api_key, cli, tmp_path):  # type: ignore[no-untyped-def]
    report_key = make_api_key("report")
    with TestClient(create_app(settings)) as client:
        today = clock.now().date()
        filed = report(client, category="terms_violation", content_id="post-late")
        clock.advance(timedelta(days=8))  # decided a day after its 7-day deadline
        decide_violating(
            client, settings, filed["case_id"], username="late", policy="terms_of_service"
        )
        period_end = today + timedelta(days=9)
        assert _breaches(cli, tmp_path / "before", today, period_end) == 1

        appeal = client.post(
            "/v1/uploader-appeals",
            json={"case_id": filed["case_id"], "reason": "please look again"},
            headers={"Authorization": f"Bearer {report_key}"},
        )
        assert appeal.status_code == 201, appeal.text  # the case now has the appeal's deadline
        assert _breaches(cli, tmp_path / "after", today, period_end) == 1
        with session_scope(settings.resolved_database_url) as db_session:
            load = case_load(db_session)
    assert sum(p.decided_last_day_late for p in load.by_priority.values()) == 1
    assert sum(p.decided_last_day_on_time for p in load.by_priority.values()) == 0
