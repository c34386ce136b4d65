"""Time-to-action metrics on /metrics (brief: accountability): open cases, overdue cases and the
age of the oldest open case by priority, and the cases decided in the last day by priority and
whether within their deadline; read from the database, so every serving process agrees."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from takedown import clock
from takedown.cases.scheduled import escalate_due_cases
from tests.enforcement_support import moving_clock  # noqa: F401 (a fixture)
from tests.metrics_support import metrics_text
from tests.reports_support import file_report
from tests.review_support import make_user, staff_headers


def _gauge(text: str, name: str, **labels: str) -> float:
    for found, label_text, value in re.findall(r"^(\w+)\{([^}]*)\} (\S+)$", text, flags=re.M):
        if found == name and dict(re.findall(r'(\w+)="([^"]*)"', label_text)) == labels:
            return float(value)
    raise AssertionError(f"{name} {labels} not on /metrics")


@pytest.mark.usefixtures("moving_clock")
def test_case_metrics_show_load_overdue_and_time_to_action(client, settings):
    urgent = file_report(client, "child_sexual_abuse", content_id="p-0", subject_is_minor="yes")
    routine = file_report(client, "terms_violation", content_id="p-2")
    make_user(settings, "rev", "child_safety_reviewer")
    decided = client.post(
        f"/v1/cases/{routine['case_id']}/decisions",
        json={"outcome": "violating", "policy": "terms_of_service", "reason": "spam"},
        headers=staff_headers(client, settings, "rev"),
    )
    assert decided.status_code == 201, decided.text

    clock.advance(timedelta(minutes=90))  # the P0 case's hour has passed, nobody acted
    escalate_due_cases(settings)
    metrics = metrics_text(client)
    assert _gauge(metrics, "takedown_cases_open", priority="P0") == 1
    assert _gauge(metrics, "takedown_cases_overdue", priority="P0") == 1
    assert _gauge(metrics, "takedown_cases_open", priority="P2") == 0
    assert 90 * 60 <= _gauge(metrics, "takedown_case_oldest_open_seconds", priority="P0") < 95 * 60
    assert _gauge(metrics, "takedown_cases_decided_last_day", priority="P2", on_time="true") == 1
    assert _gauge(metrics, "takedown_cases_decided_last_day", priority="P0", on_time="true") == 0

    late = client.post(
        f"/v1/cases/{urgent['case_id']}/decisions",
        json={
            "outcome": "violating",
            "policy": "child_sexual_abuse_material",
            "classification": "B2",
            "reason": "confirmed (benign stand-in)",
        },
        headers=staff_headers(client, settings, "rev"),
    )
    assert late.status_code == 201, late.text
    escalate_due_cases(settings)
    metrics = metrics_text(client)
    assert _gauge(metrics, "takedown_cases_open", priority="P0") == 0
    assert _gauge(metrics, "takedown_cases_overdue", priority="P0") == 0
    assert _gauge(metrics, "takedown_cases_decided_last_day", priority="P0", on_time="false") == 1
