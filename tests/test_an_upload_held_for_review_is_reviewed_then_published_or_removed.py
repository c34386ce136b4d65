"""Rule: an upload held for review is reviewed, then published or removed. A scan answers `review`
when a `csam` or `ncii` review bank matches: the platform holds the upload unpublished. Takedown
opens a case for it (channel held_at_upload, P1 because nobody has seen it); a closing "no
violation" releases it (`content.restore` with `held: true`), a violating decision removes it. A
review bank of another category holds nothing for Takedown's reviewers: no case."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from takedown import clock
from takedown.api.app import create_app
from takedown.cases.blocked_uploads import open_cases_for_blocked_uploads
from takedown.enforcement.delivery import deliver_due
from takedown.lookback.service import run_lookback
from tests.enforcement_support import (  # noqa: F401 (moving_clock: fixture)
    SECRET,
    Receiver,
    bank_pictures,
    decide_violating,
    moving_clock,
    scan,
)
from tests.media import generated_scene, jpeg
from tests.review_support import console, make_user, staff_headers

SUSPECT = jpeg(generated_scene(7171))
SPAM = jpeg(generated_scene(7272))


def _follow(settings: Any, app: Any) -> int:
    """What every server's match-event follower does every 15 s, once the scans have settled."""
    clock.advance(timedelta(seconds=11))
    return open_cases_for_blocked_uploads(settings, app.state.index)


@pytest.fixture
def platform(settings):  # type: ignore[no-untyped-def]
    """The platform's webhook endpoint, and settings that send Takedown's events to it."""
    receiver = Receiver().start()
    try:
        yield (
            receiver,
            settings.model_copy(
                update={
                    "platform_webhook_url": receiver.url,
                    "platform_webhook_secret": SecretStr(SECRET),
                }
            ),
        )
    finally:
        receiver.stop()


def _events(settings: Any, receiver: Receiver, kind: str) -> list[Any]:
    """The events of a type the platform has received, once due ones are delivered."""
    deliver_due(settings)
    return [event["data"] for event in receiver.events(kind)]


def _held_case(client: TestClient, settings: Any, app: Any, key: str) -> dict[str, Any]:
    auth = {"Authorization": f"Bearer {key}"}
    bank_pictures(client, auth, "suspected-csam", SUSPECT, category="csam", action="review")
    answer = scan(client, key, SUSPECT, "held-1", "acct-held")
    assert answer["verdict"] == "review"
    assert _follow(settings, app) == 1
    assert _follow(settings, app) == 0  # once
    make_user(settings, "lead", "admin")
    lead = staff_headers(client, settings, "lead")
    (listed,) = client.get("/v1/cases?queue=all", headers=lead).json()["cases"]
    return client.get(f"/v1/cases/{listed['case_id']}", headers=lead).json()


@pytest.mark.usefixtures("moving_clock")
def test_an_upload_a_review_bank_holds_opens_a_case_and_no_violation_publishes_it(
    platform, make_api_key
):
    receiver, settings = platform
    key = make_api_key("scan", "banks")
    app = create_app(settings)
    with TestClient(app) as client:
        case = _held_case(client, settings, app, key)
        case_id = case["case_id"]
        assert (case["content_id"], case["account_id"]) == ("held-1", "acct-held")
        assert case["category"] == "child_sexual_abuse" and case["priority"] == "P1"
        assert "held at upload, never shown (P1)" in case["priority_reasons"]
        (filed,) = case["reports"]
        assert filed["channel"] == "held_at_upload"
        assert "held for review by a hash match: bank suspected-csam" in filed["explanation"]

        lead = staff_headers(client, settings, "lead")
        (held,) = client.get(f"/v1/cases/{case_id}/enforcement", headers=lead).json()[
            "held_uploads"
        ]
        assert (held["content_id"], held["released_at"]) == ("held-1", None)
        waiting = client.get("/v1/overview", headers=lead).json()["held_upload_cases"]
        assert waiting["count"] == 1 and waiting["oldest"] is not None
        page = console(app, "lead").get(f"/console/cases/{case_id}").text
        assert "found by Takedown: held at upload, and matches a hash bank" in page
        assert 'id="held-uploads"' in page and "keeps it unpublished" in page

        # Two child-safety reviewers find nothing wrong: the platform may publish it.
        for reviewer in ("csr-1", "csr-2"):
            make_user(settings, reviewer, "child_safety_reviewer")
            decided = client.post(
                f"/v1/cases/{case_id}/decisions",
                json={"outcome": "no_violation", "reason": "a benign picture"},
                headers=staff_headers(client, settings, reviewer),
            )
            assert decided.status_code == 201, decided.text
            if reviewer == "csr-1":  # one reviewer's word is not enough to release it either
                assert _events(settings, receiver, "content.restore") == []
        (released,) = _events(settings, receiver, "content.restore")
        assert released == {
            "case_id": case_id,
            "content_id": "held-1",
            "account_id": "acct-held",
            "held": True,
        }
        assert _events(settings, receiver, "content.remove") == []
        assert client.get("/v1/overview", headers=lead).json()["held_upload_cases"]["count"] == 0
        (held,) = client.get(f"/v1/cases/{case_id}/enforcement", headers=lead).json()[
            "held_uploads"
        ]
        assert held["released_at"] is not None
        page = console(app, "lead").get(f"/console/cases/{case_id}").text
        assert "released" in page and "keeps it unpublished" not in page
        audit = client.get(f"/v1/audit?subject={case_id}", headers=lead).json()["entries"]
        assert any(
            e["action"] == "content.released" and e["details"]["content_id"] == "held-1"
            for e in audit
        )


@pytest.mark.usefixtures("moving_clock")
def test_a_held_upload_found_violating_is_removed_not_published(platform, make_api_key):
    receiver, settings = platform
    key = make_api_key("scan", "banks")
    app = create_app(settings)
    with TestClient(app) as client:
        case_id = _held_case(client, settings, app, key)["case_id"]
        decide_violating(client, settings, case_id, classification="A2")
        (removed,) = _events(settings, receiver, "content.remove")
        assert removed["content_id"] == "held-1"
        assert _events(settings, receiver, "content.restore") == []
        # Banked as confirmed: the next upload of it is blocked, not held.
        app.state.index.refresh()  # as every server follows the bank change log
        assert scan(client, key, SUSPECT, "held-2", "acct-other")["verdict"] == "block"


@pytest.mark.usefixtures("moving_clock")
def test_a_review_bank_of_another_category_opens_no_case(settings, make_api_key):
    key = make_api_key("scan", "banks")
    auth = {"Authorization": f"Bearer {key}"}
    app = create_app(settings)
    with TestClient(app) as client:
        bank_pictures(client, auth, "spam-review", SPAM, category="other", action="review")
        assert scan(client, key, SPAM, "spam-1", "acct-spam")["verdict"] == "review"
        _follow(settings, app)
        make_user(settings, "lead", "admin")
        lead = staff_headers(client, settings, "lead")
        assert client.get("/v1/cases?queue=all", headers=lead).json()["cases"] == []


@pytest.mark.usefixtures("moving_clock")
def test_an_ncii_review_bank_holds_intimate_imagery_for_review(platform, make_api_key):
    receiver, settings = platform
    key = make_api_key("scan", "banks")
    auth = {"Authorization": f"Bearer {key}"}
    app = create_app(settings)
    with TestClient(app) as client:
        bank_pictures(client, auth, "ncii-suspected", SUSPECT, category="ncii", action="review")
        assert scan(client, key, SUSPECT, "held-n", "acct-n")["verdict"] == "review"
        assert _follow(settings, app) == 1
        make_user(settings, "lead", "admin")
        lead = staff_headers(client, settings, "lead")
        (listed,) = client.get("/v1/cases?queue=all", headers=lead).json()["cases"]
        case = client.get(f"/v1/cases/{listed['case_id']}", headers=lead).json()
        assert case["category"] == "non_consensual_intimate_imagery"
        assert case["priority"] == "P1" and case["reports"][0]["channel"] == "held_at_upload"
        # Not child safety: one reviewer's "no violation" closes it, and releases the upload.
        make_user(settings, "rev", "reviewer")
        decided = client.post(
            f"/v1/cases/{case['case_id']}/decisions",
            json={"outcome": "no_violation", "reason": "consensual, the person shown says so"},
            headers=staff_headers(client, settings, "rev"),
        )
        assert decided.status_code == 201, decided.text
        (released,) = _events(settings, receiver, "content.restore")
        assert released["held"] is True and released["content_id"] == "held-n"


@pytest.mark.usefixtures("moving_clock")
def test_a_held_upload_is_not_found_again_by_the_lookback(settings, make_api_key):
    """The lookback searches the uploads scanned up to when it starts, so also those scanned
    just after the entries were banked; one whose own scan matched an entry was held then, and
    its case says so, not "up since ..., allowed then"."""
    key = make_api_key("scan", "banks")
    app = create_app(settings)
    with TestClient(app) as client:
        case = _held_case(client, settings, app, key)  # banked, then scanned, then followed
        run_lookback(settings, app.state.index)
        clock.advance(timedelta(seconds=11))
        run_lookback(settings, app.state.index)
        lead = staff_headers(client, settings, "lead")
        again = client.get(f"/v1/cases/{case['case_id']}", headers=lead).json()
        assert [r["channel"] for r in again["reports"]] == ["held_at_upload"]
        assert again["priority"] == "P1"

        # A hash banked later in a blocking bank is news about the held upload.
        auth = {"Authorization": f"Bearer {key}"}
        bank_pictures(client, auth, "industry", SUSPECT, category="csam", action="block")
        clock.advance(timedelta(seconds=11))
        run_lookback(settings, app.state.index)
        again = client.get(f"/v1/cases/{case['case_id']}", headers=lead).json()
        # Still held (not up, never shown): P1, and the hash says why in words.
        (later,) = again["reports"][1:]
        assert later["channel"] == "held_at_upload" and again["priority"] == "P1"
        assert later["explanation"].startswith("Held since ")
        assert (
            "held for review) and matching hashes banked since: bank industry"
            in (later["explanation"])
        )
