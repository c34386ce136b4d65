"""Rule: new uploads of a struck account are held when set. With
TAKEDOWN_HOLD_UPLOADS_AFTER_STRIKE_DAYS, each upload of an active account with a standing strike
for child sexual abuse, exploitation or intimate imagery from the last that many days is answered
`review`, says why, and opens a case of its own (channel account_hold, P1, the confirmed case
named); other accounts, older or withdrawn strikes, suspended accounts and the default (off) hold
nothing. The held upload is then released or removed as any held upload."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from takedown import clock
from takedown.api.app import create_app
from tests.enforcement_support import (  # noqa: F401 (moving_clock: fixture)
    decide_violating,
    moving_clock,
    overturn_on_uploader_appeal,
    scan,
)
from tests.media import generated_scene, jpeg
from tests.reports_support import file_report
from tests.review_support import make_user, staff_headers

SHARED = jpeg(generated_scene(5151))


def _struck(client: TestClient, settings: Any, key: str) -> str:
    """acct-x's post confirmed as intimate imagery shared without consent: one strike, under
    the threshold (3), so the account stays active. The case id."""
    assert scan(client, key, SHARED, "post-x1", "acct-x")["verdict"] == "allow"
    case_id = file_report(
        client,
        "non_consensual_intimate_imagery",
        content_id="post-x1",
        content_url="https://platform.example/p/x1",
    )["case_id"]
    decide_violating(client, settings, case_id, policy="ncii")
    account = client.get(
        "/v1/accounts/acct-x", headers=staff_headers(client, settings, "csr-1")
    ).json()
    assert account["status"] == "active" and account["strike_count"] == 1
    return str(case_id)


@pytest.mark.usefixtures("moving_clock")
def test_new_uploads_of_a_struck_account_are_held_when_set(settings, make_api_key):
    settings = settings.model_copy(update={"hold_uploads_after_strike_days": 30})
    key = make_api_key("scan", "report")
    app = create_app(settings)
    with TestClient(app) as client:
        confirmed = _struck(client, settings, key)
        held = scan(client, key, jpeg(generated_scene(5252)), "post-x2", "acct-x")
        assert held["verdict"] == "review" and held["matches"] == []
        assert any(f"in case {confirmed}" in note for note in held["notes"])
        assert held["case_id"]

        make_user(settings, "lead", "admin")
        lead = staff_headers(client, settings, "lead")
        case = client.get(f"/v1/cases/{held['case_id']}", headers=lead).json()
        assert case["content_id"] == "post-x2"
        assert case["category"] == "non_consensual_intimate_imagery" and case["priority"] == "P1"
        (filed,) = case["reports"]
        assert filed["channel"] == "account_hold" and confirmed in filed["explanation"]
        assert "the uploader has earlier violations" not in case["priority_reasons"]
        (waiting,) = client.get(f"/v1/cases/{case['case_id']}/enforcement", headers=lead).json()[
            "held_uploads"
        ]
        assert waiting["content_id"] == "post-x2" and waiting["released_at"] is None

        # Other accounts are not held; a second scan of the account is its own case.
        assert scan(client, key, jpeg(generated_scene(5353)), "post-y", "acct-y")["verdict"] == (
            "allow"
        )
        again = scan(client, key, jpeg(generated_scene(5454)), "post-x3", "acct-x")
        assert again["verdict"] == "review" and again["case_id"] != held["case_id"]

        # A month later the hold has lapsed.
        clock.advance(timedelta(days=31))
        later = scan(client, key, jpeg(generated_scene(5555)), "post-x4", "acct-x")
        assert later["verdict"] == "allow" and later["case_id"] is None


@pytest.mark.usefixtures("moving_clock")
def test_a_withdrawn_strike_holds_nothing(settings, make_api_key):
    settings = settings.model_copy(update={"hold_uploads_after_strike_days": 30})
    key = make_api_key("scan", "report")
    app = create_app(settings)
    with TestClient(app) as client:
        confirmed = _struck(client, settings, key)
        overturn_on_uploader_appeal(client, settings, confirmed, key)
        answer = scan(client, key, jpeg(generated_scene(5656)), "post-x5", "acct-x")
        assert answer["verdict"] == "allow" and answer["case_id"] is None


@pytest.mark.usefixtures("moving_clock")
def test_off_by_default(settings, make_api_key):
    key = make_api_key("scan", "report")
    app = create_app(settings)
    with TestClient(app) as client:
        _struck(client, settings, key)
        answer = scan(client, key, jpeg(generated_scene(5757)), "post-x6", "acct-x")
        assert answer["verdict"] == "allow" and answer["notes"] == []


@pytest.mark.usefixtures("moving_clock")
def test_a_suspended_account_is_the_platforms_to_stop(settings, make_api_key):
    """Child sexual abuse material suspends the account at once: its uploads are not held (the
    platform stops them; nothing should come to be published after a review)."""
    settings = settings.model_copy(update={"hold_uploads_after_strike_days": 30})
    key = make_api_key("scan", "report")
    app = create_app(settings)
    with TestClient(app) as client:
        assert scan(client, key, SHARED, "post-z1", "acct-z")["verdict"] == "allow"
        case_id = file_report(client, "child_sexual_abuse", content_id="post-z1")["case_id"]
        decide_violating(client, settings, case_id, classification="A2")
        csr = staff_headers(client, settings, "csr-1")
        assert client.get("/v1/accounts/acct-z", headers=csr).json()["status"] == "suspended"
        answer = scan(client, key, jpeg(generated_scene(5858)), "post-z2", "acct-z")
        assert answer["verdict"] == "allow" and answer["case_id"] is None
