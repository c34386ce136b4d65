"""Rule: a report by fingerprint alone tells its reporter nothing that depends on a match.

Anyone can fingerprint any picture, so what such a reporter is shown must read the same whether
the picture is on the platform or not; otherwise a stalker could fingerprint a photo of someone and
learn from the answer that it was posted (and, from a "no action", that it is still up). Two
reporters send fingerprints at once: one of a picture another report already put in front of the
reviewers, one of a picture that is nowhere. Their answers, acknowledgment emails and tracking
pages, before and after the found case is claimed and decided, and their tries to appeal or add
to the report, are compared with the references and times taken out: they must be identical.
Staff still find the case from the report's reference."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown.api.app import create_app
from takedown.notify.models import Notification
from takedown.store.db import session_scope
from tests.enforcement_support import moving_clock, scan  # noqa: F401
from tests.media import generated_scene, jpeg
from tests.reports_support import file_report
from tests.review_support import (
    case_seen_by_staff,
    console,
    make_user,
    staff_headers,
    without_references,
)
from tests.test_reporters_can_report_by_a_fingerprint_of_their_own_copy import (
    by_fingerprint,
    fingerprints_of,
)

ON_THE_PLATFORM = generated_scene(9711)
NOWHERE = generated_scene(9722)
NCII = "non_consensual_intimate_imagery"


def _page(client: TestClient, ack: dict[str, Any]) -> str:
    answer = client.get(f"/track/{ack['tracking_token']}")
    assert answer.status_code == 200, answer.text
    return without_references(answer.text, ack)


def _emails_to(settings: Any, address: str) -> list[Notification]:
    with session_scope(settings.resolved_database_url) as db_session:
        rows = db_session.scalars(
            select(Notification).where(Notification.recipient == address).order_by(Notification.id)
        ).all()
        db_session.expunge_all()
        return list(rows)


@pytest.mark.usefixtures("moving_clock")
def test_a_report_by_fingerprint_alone_tells_its_reporter_nothing_that_depends_on_a_match(
    settings, make_api_key
):  # type: ignore[no-untyped-def]
    key = make_api_key("scan")
    app = create_app(settings)
    with TestClient(app) as client:
        assert scan(client, key, jpeg(ON_THE_PLATFORM), "post-1", "acct-1")["verdict"] == "allow"
        # A bystander reports the post, with the picture: a case a reviewer will look at.
        known = file_report(
            client,
            NCII,
            file=jpeg(ON_THE_PLATFORM),
            content_id="post-1",
            content_url="https://platform.example/p/1",
            reporter={"role": "bystander", "name": "Bo", "email": "bo@example.org"},
        )
        reporters = {
            "found": ("found@example.org", ON_THE_PLATFORM),
            "nowhere": ("nowhere@example.org", NOWHERE),
        }
        acks = {
            name: by_fingerprint(
                client,
                NCII,
                picture,
                jpeg(picture, quality=80),
                reporter={"role": "victim", "name": "Jo", "email": email},
            )
            for name, (email, picture) in reporters.items()
        }
        # Staff see what the reporters are not told: one joined the bystander's case at once.
        assert acks["found"]["case_id"] == known["case_id"]
        assert acks["nowhere"]["case_id"] != known["case_id"]
        assert case_seen_by_staff(client, settings, acks["nowhere"]["case_id"])["status"] == (
            "watching"
        )
        reviewer = console(app, "case-reader")
        found_page = reviewer.get(f"/console/find?reference={acks['found']['report_id']}")
        assert found_page.status_code == 200 and known["case_id"] in found_page.text
        assert 'class="report-sealed"' in found_page.text
        unknown = reviewer.get("/console/find?reference=rep_nobody")
        assert unknown.status_code == 200 and 'id="unknown-reference"' in unknown.text

        def same_for_both(stage: str) -> None:
            pages = {name: _page(client, ack) for name, ack in acks.items()}
            assert pages["found"] == pages["nowhere"], stage
            assert known["case_id"] not in pages["found"], stage
            assert 'id="status">received<' in pages["found"], stage

        same_for_both("received")
        # The way to a report that does follow its case: say where it is.
        link = re.search(r'href="([^"]+)" id="report-address"', _page(client, acks["found"]))
        assert link and client.get(link.group(1).replace("&amp;", "&")).status_code == 200
        assert f"/report?category={NCII}" in link.group(1)
        acknowledgments = {
            name: _emails_to(settings, email) for name, (email, _) in reporters.items()
        }
        (found_ack,), (nowhere_ack,) = acknowledgments.values()
        assert without_references(found_ack.subject, acks["found"]) == without_references(
            nowhere_ack.subject, acks["nowhere"]
        )
        assert without_references(found_ack.body, acks["found"]) == without_references(
            nowhere_ack.body, acks["nowhere"]
        )
        assert known["case_id"] not in found_ack.subject + found_ack.body

        make_user(settings, "lead", "child_safety_reviewer")
        lead = staff_headers(client, settings, "lead")
        claimed = client.post(f"/v1/cases/{known['case_id']}/claim", headers=lead)
        assert claimed.status_code == 200, claimed.text
        same_for_both("in review")
        decided = client.post(
            f"/v1/cases/{known['case_id']}/decisions",
            json={"outcome": "violating", "policy": "ncii", "reason": "shared without consent"},
            headers=lead,
        )
        assert decided.status_code == 201, decided.text
        assert case_seen_by_staff(client, settings, known["case_id"])["status"] == "action_taken"
        same_for_both("decided")
        # The bystander, who gave the address, hears the decision; the fingerprint reporter not.
        assert "decision" in {n.kind for n in _emails_to(settings, "bo@example.org")}
        for email, _ in reporters.values():
            assert [n.kind for n in _emails_to(settings, email)] == ["acknowledgment"]

        appeals = {
            name: client.post(f"/track/{ack['tracking_token']}/appeal", data={"reason": "No."})
            for name, ack in acks.items()
        }
        assert {a.status_code for a in appeals.values()} == {409}
        assert without_references(appeals["found"].text, acks["found"]) == without_references(
            appeals["nowhere"].text, acks["nowhere"]
        )
        for ack in acks.values():
            added = client.post(
                f"/track/{ack['tracking_token']}/information",
                data={"text": "The police case is open.", "police_case_number": "PC-7"},
                follow_redirects=False,
            )
            assert added.status_code == 303, added.text
        same_for_both("added to")
        # The addition reached the decided case's reviewers.
        case = case_seen_by_staff(client, settings, known["case_id"])
        (mine,) = [r for r in case["reports"] if r["report_id"] == acks["found"]["report_id"]]
        assert mine["by_fingerprint_alone"] and mine["additions"][0]["law_enforcement_case_number"]


def test_a_report_with_an_address_still_follows_its_case(settings):  # type: ignore[no-untyped-def]
    """The other side of the rule: a reporter who said where the content is gets the case's
    reference and deadline, and the page follows it."""
    with TestClient(create_app(settings)) as client:
        ack = file_report(client, NCII, content_url="https://platform.example/p/77")
        assert ack["case_id"].startswith("case_") and ack["deadline"] is not None
        page = client.get(f"/track/{ack['tracking_token']}").text
        assert ack["case_id"] in page and 'id="sealed"' not in page


def test_staff_find_a_case_from_a_report_reference(settings):  # type: ignore[no-untyped-def]
    """GET /v1/reports/{id} names the report's case, within the reader's visibility."""
    with TestClient(create_app(settings)) as client:
        ack = file_report(client, "child_sexual_abuse", content_url="https://platform.example/c")
        make_user(settings, "generalist", "reviewer")
        make_user(settings, "cs", "child_safety_reviewer")
        seen = client.get(
            f"/v1/reports/{ack['report_id']}", headers=staff_headers(client, settings, "cs")
        )
        assert seen.json() == {"report_id": ack["report_id"], "case_id": ack["case_id"]}
        barred = client.get(
            f"/v1/reports/{ack['report_id']}",
            headers=staff_headers(client, settings, "generalist"),
        )
        assert barred.status_code == 403
        missing = client.get(
            "/v1/reports/rep_nothing", headers=staff_headers(client, settings, "cs")
        )
        assert missing.status_code == 404


def test_fingerprints_sent_with_more_addresses_keep_each_report_as_it_is(settings):  # type: ignore[no-untyped-def]
    """The form with fingerprints and extra addresses but no first address: the first extra
    address becomes the report's own, and as the platform scanned no such picture there, that
    report names no case to its reporter; the other address is a report that follows its case;
    the one acknowledgment says both."""
    picture = generated_scene(9733)
    with TestClient(create_app(settings)) as client:
        page = client.post(
            "/report",
            data={
                "category": NCII,
                "fingerprints": json.dumps(fingerprints_of(picture, jpeg(picture))),
                "more_urls": "https://platform.example/p/31\nhttps://platform.example/p/32",
                "reporter.email": "many@example.org",
                "good_faith_statement": "true",
                "signature": "Jo Example",
            },
        )
        assert page.status_code == 201, page.text
        assert 'id="case-reference"' not in page.text and 'id="sealed"' in page.text
        assert len(re.findall(r'class="more-case-reference">case_', page.text)) == 1
        (ack,) = _emails_to(settings, "many@example.org")
    assert ack.body.count("Case reference:") == 1  # the second address's case, not the first's
    assert ack.body.count("Report reference:") == 2
    assert "You will get another message when a decision is made." in ack.body
    assert "do not tell you when something matches" in ack.body
