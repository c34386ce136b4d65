"""Deadlines per priority, configurable: P0 1 hour, P1 24 hours, NCII 48 hours as a hard legal
limit, P2 7 days."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.reports_support import file_report
from tests.review_support import case_seen_by_staff


def window(answer) -> timedelta:  # type: ignore[no-untyped-def]
    return datetime.fromisoformat(answer["deadline"]) - datetime.fromisoformat(
        answer["received_at"]
    )


@pytest.mark.parametrize(
    ("category", "fields", "hours"),
    [
        ("child_sexual_abuse", {"subject_is_minor": "yes"}, 1),
        ("child_sexual_abuse", {}, 24),
        ("terms_violation", {}, 7 * 24),
    ],
)
def test_default_deadlines(client, category, fields, hours):
    assert window(file_report(client, category, **fields)) == timedelta(hours=hours)


def test_ncii_is_a_legal_48_hour_limit_whatever_the_priority_setting(client, settings, app):
    # Even if an operator loosens P1 beyond the law, a valid NCII request keeps 48 hours.
    app.state.settings = settings.model_copy(update={"deadline_p1_hours": 100.0})
    answer = file_report(client, "non_consensual_intimate_imagery")
    assert window(answer) == timedelta(hours=48)
    assert case_seen_by_staff(client, settings, answer["case_id"])["deadline_is_legal"] is True


def test_deadlines_are_configurable(client, settings, app):
    app.state.settings = settings.model_copy(
        update={"deadline_p0_hours": 0.5, "deadline_p2_hours": 72.0}
    )
    assert window(file_report(client, "child_sexual_abuse", subject_is_minor="yes")) == timedelta(
        minutes=30
    )
    assert window(file_report(client, "terms_violation", content_url="https://x.example/2")) == (
        timedelta(hours=72)
    )
