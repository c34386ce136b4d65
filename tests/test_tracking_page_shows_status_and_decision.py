"""/track/{tracking_token}: status in plain words (received, in review, action taken, no action,
appealed), dates, the decision in plain words; second_review shows as "in review"."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from takedown import clock
from takedown.cases.models import CaseStatus
from takedown.cases.service import get_case, set_status
from takedown.i18n.dates import reader_datetime
from takedown.store.db import session_scope
from tests.reports_support import file_report


def move(settings, case_id, status, **fields):  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        case = get_case(db_session=db_session, case_id=case_id)
        for key, value in fields.items():
            setattr(case, key, value)
        set_status(db_session=db_session, case=case, status=status, actor="test")


def shown_status(client, token: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get(f"/track/{token}")
    assert page.status_code == 200
    return re.search(r'id="status">([^<]+)<', page.text).group(1)


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (CaseStatus.OPEN, "received"),
        (CaseStatus.IN_REVIEW, "in review"),
        (CaseStatus.SECOND_REVIEW, "in review"),
        (CaseStatus.ACTION_TAKEN, "action taken"),
        (CaseStatus.NO_ACTION, "no action"),
        (CaseStatus.APPEALED, "appealed"),
    ],
)
def test_each_status_in_plain_words(client, settings, status, words):
    answer = file_report(client, "child_sexual_abuse")
    move(settings, answer["case_id"], status)
    assert shown_status(client, answer["tracking_token"]) == words


def test_decision_text_and_dates_are_shown(client, settings):
    answer = file_report(client, "child_sexual_abuse")
    page = client.get(f"/track/{answer['tracking_token']}").text
    assert answer["case_id"] in page
    received = datetime.fromisoformat(answer["received_at"])
    assert reader_datetime(received, "en") in page  # in the reader's language
    move(
        settings,
        answer["case_id"],
        CaseStatus.ACTION_TAKEN,
        outcome="violating",
        outcome_text_public="We removed the content because it breaks the law.",
        decided_at=clock.now(),
    )
    page = client.get(f"/track/{answer['tracking_token']}").text
    assert "We removed the content because it breaks the law." in page
    assert "Decided" in page


def test_second_review_never_reveals_the_first_decision(client, settings):
    answer = file_report(client, "child_sexual_abuse")
    move(
        settings,
        answer["case_id"],
        CaseStatus.SECOND_REVIEW,
        outcome_text_public="no violation found",
    )
    page = client.get(f"/track/{answer['tracking_token']}").text
    assert "no violation found" not in page
    assert "no action" not in page


def test_unknown_token_is_404_and_page_is_not_indexed(client):
    assert client.get("/track/not-a-real-token").status_code == 404
    answer = file_report(client, "child_sexual_abuse")
    assert (
        'name="robots" content="noindex"' in client.get(f"/track/{answer['tracking_token']}").text
    )


def test_tracking_page_is_not_cached_framed_or_leaked_by_referrer(client):
    answer = file_report(client, "child_sexual_abuse")
    page = client.get(f"/track/{answer['tracking_token']}")
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "no-referrer"


def test_take_it_down_request_shows_its_legal_deadline(client, settings):
    request = file_report(client, "non_consensual_intimate_imagery")
    page = client.get(f"/track/{request['tracking_token']}").text
    received = datetime.fromisoformat(request["received_at"])
    due = received + timedelta(hours=settings.deadline_ncii_hours)
    deadline = re.search(r'id="legal-deadline">([^<]+)<', page).group(1)
    assert f"by {reader_datetime(due, 'en')} UTC at the latest" in deadline  # the reader's date
    assert "TAKE IT DOWN Act" in deadline

    child = file_report(client, "child_sexual_abuse", content_id="other-post")
    assert 'id="legal-deadline"' not in client.get(f"/track/{child['tracking_token']}").text

    move(
        settings,
        request["case_id"],
        CaseStatus.ACTION_TAKEN,
        outcome="violating",
        outcome_text_public="We removed it.",
        decided_at=clock.now(),
    )
    assert 'id="legal-deadline"' not in client.get(f"/track/{request['tracking_token']}").text
