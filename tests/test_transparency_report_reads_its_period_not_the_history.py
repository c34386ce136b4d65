"""Rule: a transparency report for a period reads that period, not the history before it. It
found each case's first report and first decision by reading every report and every decision ever
made (grouping all reports in a join that SQLite ran once a report: minutes for a year's
history), and read every removed item, appeal and CyberTipline filing to pick the period's.

Measured as the periodic jobs are (tests/history_support.py): SQLite's work for `takedown report
transparency` over this week, on a copy of the database that also holds 3,000 cases closed months
ago with everything they left behind, must not grow; and the report must say the same."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from takedown import clock
from takedown.api.app import create_app
from takedown.settings import get_settings
from tests.enforcement_support import decide_violating, report_with_media
from tests.history_support import (
    add_history,
    add_pipeline_history,
    assert_work_did_not_grow,
    database_copy,
    history_databases,
    sqlite_work,
)
from tests.media import generated_scene, jpeg
from tests.review_support import user_id_of


def summary(folder: Path) -> dict[str, str]:
    with (folder / "summary.csv").open() as handle:
        return {row["metric"]: row["value"] for row in csv.DictReader(handle)}


def test_transparency_report_reads_its_period_not_the_history(  # type: ignore[no-untyped-def]
    database_url, settings, cli, monkeypatch, tmp_path
):
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL plans by statistics: bench/ measures it at scale")
    with TestClient(create_app(settings)) as client:
        for n in range(3):
            filed = report_with_media(
                client,
                jpeg(generated_scene(20 + n)),
                content_id=f"this-week-{n}",
                account_id=f"acct-{n}",
                category="non_consensual_intimate_imagery",
            )
            if n < 2:
                decide_violating(
                    client, settings, filed["case_id"], username=f"rev-{n}", policy="ncii"
                )
    with_history = database_copy(settings, tmp_path / "with-history")
    add_history(with_history)
    add_pipeline_history(with_history, decided_by=user_id_of(with_history, "rev-0"))

    today = clock.now().date()
    week = ["--from", str(today - timedelta(days=6)), "--to", str(today)]
    work, found = {}, {}
    for name, database in history_databases(settings, with_history, tmp_path / "reversed"):
        monkeypatch.setenv("TAKEDOWN_DATABASE_URL", database.resolved_database_url)
        get_settings.cache_clear()
        output = tmp_path / name
        with sqlite_work(database) as steps:
            result = cli("report", "transparency", *week, "--output", str(output))
        assert result.exit_code == 0, result.output
        work[name], found[name] = steps[0], summary(output)
    assert all(summary == found["without history"] for summary in found.values()), found
    assert found["without history"]["cases_actioned"] == "2", found
    assert found["without history"]["reported_items_removed"] == "2", found
    assert_work_did_not_grow(work)
