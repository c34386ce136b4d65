"""Rule: a reporter can withdraw intimate-imagery fingerprints, and the withdrawal looks the same
whether or not anything matched.

As StopNCII.org lets a person withdraw their case, the reporter of intimate imagery by fingerprint
alone can stop the search from their tracking page (or a platform's own page, through
POST /v1/reports/withdrawals): their fingerprints are no longer looked for, their name and email
are erased, and a watching case closes as `withdrawn`. What a match already found stays with the
reviewers. A fingerprint another report also sent stays looked for. Reports of child sexual abuse
material are never withdrawn."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from takedown import clock
from takedown.api.app import create_app
from takedown.store.db import session_scope
from takedown.transparency.report import gather
from tests.enforcement_support import moving_clock, scan  # noqa: F401
from tests.erasure_support import database_files_hold
from tests.media import generated_scene, jpeg
from tests.reports_support import file_report
from tests.review_support import case_seen_by_staff, console, without_references
from tests.test_reporters_can_report_by_a_fingerprint_of_their_own_copy import (
    _settle_and_follow,
    by_fingerprint,
)

NCII = "non_consensual_intimate_imagery"


def _withdraw_on_the_page(client: TestClient, ack: dict[str, Any]) -> None:
    answer = client.post(
        f"/track/{ack['tracking_token']}/withdraw",
        data={"confirm": "yes"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def _report_of(case: dict[str, Any], ack: dict[str, Any]) -> dict[str, Any]:
    (report,) = [r for r in case["reports"] if r["report_id"] == ack["report_id"]]
    return report


@pytest.mark.usefixtures("moving_clock")
def test_reporters_can_withdraw_intimate_imagery_fingerprints(settings, make_api_key):  # type: ignore[no-untyped-def]
    picture = generated_scene(9811)
    key = make_api_key("scan")
    app = create_app(settings)
    with TestClient(app) as client:
        ack = by_fingerprint(client, NCII, picture, jpeg(picture))
        page = client.get(f"/track/{ack['tracking_token']}").text
        assert 'id="withdraw"' in page
        unconfirmed = client.post(f"/track/{ack['tracking_token']}/withdraw", data={})
        assert unconfirmed.status_code == 422 and 'id="withdraw-error"' in unconfirmed.text
        assert case_seen_by_staff(client, settings, ack["case_id"])["status"] == "watching"

        _withdraw_on_the_page(client, ack)
        page = client.get(f"/track/{ack['tracking_token']}?withdrawn=1").text
        assert 'id="status">withdrawn<' in page and 'id="withdrawn"' in page
        assert 'id="withdraw"' not in page and "/information" not in page
        case = case_seen_by_staff(client, settings, ack["case_id"])
        assert case["status"] == "withdrawn"
        mine = _report_of(case, ack)
        assert mine["withdrawn_at"] is not None
        assert "jo@example.org" not in str(case)  # the contact details are erased
        if settings.resolved_database_url.startswith("sqlite"):
            assert not database_files_hold(settings, "jo@example.org")  # nor in the files
        # Withdrawing again changes nothing; the API says when it happened.
        again = client.post(
            "/v1/reports/withdrawals", json={"tracking_token": ack["tracking_token"]}
        )
        assert again.status_code == 200, again.text
        assert again.json()["report_id"] == ack["report_id"]

        # The picture is uploaded afterwards: nothing holds it for review any more.
        app.state.index.refresh()
        assert scan(client, key, jpeg(picture, quality=80), "post-1", "acct-1")["verdict"] == (
            "allow"
        )
        _settle_and_follow(settings, app)
        assert case_seen_by_staff(client, settings, ack["case_id"])["status"] == "withdrawn"
        reviewer_page = console(app, "case-reader").get(f"/console/cases/{ack['case_id']}").text
        assert 'class="report-withdrawn"' in reviewer_page
        assert "no longer looked for: withdrawn" in reviewer_page


@pytest.mark.usefixtures("moving_clock")
def test_withdrawal_looks_the_same_whether_or_not_anything_matched(settings, make_api_key):  # type: ignore[no-untyped-def]
    on_the_platform, nowhere = generated_scene(9821), generated_scene(9822)
    key = make_api_key("scan")
    app = create_app(settings)
    with TestClient(app) as client:
        found = by_fingerprint(client, NCII, on_the_platform, jpeg(on_the_platform))
        unmatched = by_fingerprint(client, NCII, nowhere, jpeg(nowhere))
        app.state.index.refresh()
        assert scan(client, key, jpeg(on_the_platform, quality=80), "post-2", "acct-2")[
            "verdict"
        ] == ("review")
        _settle_and_follow(settings, app)
        assert case_seen_by_staff(client, settings, found["case_id"])["status"] == "open"

        answers = {}
        for name, ack in (("found", found), ("unmatched", unmatched)):
            answer = client.post(
                "/v1/reports/withdrawals", json={"tracking_token": ack["tracking_token"]}
            )
            assert answer.status_code == 200, answer.text
            assert set(answer.json()) == {"report_id", "withdrawn_at"}
            page = client.get(f"/track/{ack['tracking_token']}").text
            answers[name] = without_references(page, ack)
        assert answers["found"] == answers["unmatched"]

        # What the match found stays with the reviewers, who see the withdrawal.
        case = case_seen_by_staff(client, settings, found["case_id"])
        assert case["status"] == "open"
        assert _report_of(case, found)["withdrawn_at"] is not None
        assert case_seen_by_staff(client, settings, unmatched["case_id"])["status"] == "withdrawn"
        with session_scope(settings.resolved_database_url) as db_session:
            figures = gather(
                db_session=db_session,
                start=clock.now() - timedelta(days=1),
                end=clock.now() + timedelta(days=1),
            )
    summary = dict(figures.summary())
    assert summary["reports_by_fingerprint_alone"] == 2
    assert summary["fingerprint_reports_withdrawn"] == 2


@pytest.mark.usefixtures("moving_clock")
def test_a_fingerprint_another_report_also_sent_stays_looked_for(settings, make_api_key):  # type: ignore[no-untyped-def]
    picture = generated_scene(9831)
    key = make_api_key("scan")
    app = create_app(settings)
    with TestClient(app) as client:
        first = by_fingerprint(client, NCII, picture, jpeg(picture))
        second = by_fingerprint(
            client,
            NCII,
            picture,
            jpeg(picture),
            reporter={"role": "victim", "name": "Al", "email": "al@example.org"},
        )
        assert second["case_id"] == first["case_id"]
        _withdraw_on_the_page(client, first)
        assert case_seen_by_staff(client, settings, first["case_id"])["status"] == "watching"
        app.state.index.refresh()
        assert scan(client, key, jpeg(picture, quality=80), "post-3", "acct-3")["verdict"] == (
            "review"
        )
        _settle_and_follow(settings, app)
        case = case_seen_by_staff(client, settings, first["case_id"])
        assert case["status"] == "open" and case["content_id"] == "post-3"


@pytest.mark.usefixtures("moving_clock")
def test_a_fingerprint_everyone_withdrew_is_looked_for_again_when_reported_again(  # type: ignore[no-untyped-def]
    settings, make_api_key
):
    picture = generated_scene(9841)
    key = make_api_key("scan")
    app = create_app(settings)
    with TestClient(app) as client:
        first = by_fingerprint(client, NCII, picture, jpeg(picture))
        _withdraw_on_the_page(client, first)
        again = by_fingerprint(client, NCII, picture, jpeg(picture))
        assert again["case_id"] != first["case_id"]  # the withdrawn case stays closed
        app.state.index.refresh()
        assert scan(client, key, jpeg(picture, quality=80), "post-4", "acct-4")["verdict"] == (
            "review"
        )
        _settle_and_follow(settings, app)
        assert case_seen_by_staff(client, settings, again["case_id"])["status"] == "open"


def test_child_sexual_abuse_fingerprints_cannot_be_withdrawn(settings):  # type: ignore[no-untyped-def]
    picture = generated_scene(9851)
    with TestClient(create_app(settings)) as client:
        ack = by_fingerprint(client, "child_sexual_abuse", picture, jpeg(picture))
        page = client.get(f"/track/{ack['tracking_token']}").text
        assert 'id="withdraw"' not in page and 'id="no-withdrawal"' in page
        refused = client.post(
            "/v1/reports/withdrawals", json={"tracking_token": ack["tracking_token"]}
        )
        assert refused.status_code == 409 and refused.json()["code"] == "not_withdrawable"
        on_the_page = client.post(
            f"/track/{ack['tracking_token']}/withdraw", data={"confirm": "yes"}
        )
        assert on_the_page.status_code == 409 and 'id="withdraw-error"' in on_the_page.text
        assert case_seen_by_staff(client, settings, ack["case_id"])["status"] == "watching"


def test_a_report_with_an_address_cannot_be_withdrawn(settings):  # type: ignore[no-untyped-def]
    """Withdrawal is for fingerprints alone: a report of where intimate imagery is goes to a
    decision (the TAKE IT DOWN Act's clock runs on it)."""
    with TestClient(create_app(settings)) as client:
        ack = file_report(client, NCII, content_url="https://platform.example/p/9")
        assert 'id="withdraw"' not in client.get(f"/track/{ack['tracking_token']}").text
        refused = client.post(
            "/v1/reports/withdrawals", json={"tracking_token": ack["tracking_token"]}
        )
        assert refused.status_code == 409
        unknown = client.post("/v1/reports/withdrawals", json={"tracking_token": "nothing"})
        assert unknown.status_code == 404
