"""Rule: a transparency report over a period that has not ended counts as breached only the open
cases whose deadline has already passed, not those whose deadline is still to come in it."""

from __future__ import annotations

import csv
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from takedown import clock
from takedown.api.app import create_app
from tests.enforcement_support import moving_clock  # noqa: F401
from tests.review_support import report


def _breaches(cli, tmp_path, name: str, today) -> int:  # type: ignore[no-untyped-def]
    """Deadline breaches in the report over the day before `today` to 30 days after it."""
    out = tmp_path / name
    result = cli(
        "report",
        "transparency",
        "--from",
        str(today - timedelta(days=1)),
        "--to",
        str(today + timedelta(days=30)),
        "--output",
        str(out),
    )
    assert result.exit_code == 0, result.output
    with (out / "summary.csv").open() as handle:
        summary = {row["metric"]: row["value"] for row in csv.DictReader(handle)}
    return int(summary["deadline_breaches"])


@pytest.mark.usefixtures("moving_clock")
def test_a_period_not_over_counts_only_the_deadlines_already_past(settings, cli, tmp_path):  # type: ignore[no-untyped-def]
    with TestClient(create_app(settings)) as client:
        # A terms report: a deadline days away, inside the period asked for.
        report(client, category="terms_violation", content_id="post-later")
    today = clock.now().date()
    assert _breaches(cli, tmp_path, "before", today) == 0
    clock.advance(timedelta(days=20))  # its deadline has passed, undecided: now it is a breach
    assert _breaches(cli, tmp_path, "after", today) == 1
