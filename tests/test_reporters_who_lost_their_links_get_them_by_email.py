"""Rule: a reporter who lost their tracking links gets them again by email, and nobody learns
from asking who reported.

`/track` (linked from every public page's footer and from an unknown tracking link's page) takes
an email address. If reports were sent with it, that address, and only it, is emailed their links;
the page answers the same either way. At most one such email an hour per address. Once a report's
contact details are erased, its address no longer finds it, and the links email is erased too."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown import clock
from takedown.api.app import create_app
from takedown.notify.models import Notification
from takedown.reports.lost_links import answer_requests
from takedown.reports.models import LostLinksRequest
from takedown.store.db import session_scope
from tests.enforcement_support import moving_clock  # noqa: F401
from tests.reports_support import file_report
from tests.review_support import make_user, staff_headers, without_references

NCII = "non_consensual_intimate_imagery"


def _links_emails(settings) -> list[Notification]:  # type: ignore[no-untyped-def]
    """The links emails written, once the job (every 5 s in a server) answered the requests."""
    answer_requests(settings)
    with session_scope(settings.resolved_database_url) as db_session:
        rows = db_session.scalars(
            select(Notification)
            .where(Notification.kind == "tracking_links")
            .order_by(Notification.id)
        ).all()
        db_session.expunge_all()
        return list(rows)


def _waiting_requests(settings) -> list[str]:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        return list(
            db_session.scalars(select(LostLinksRequest.email).order_by(LostLinksRequest.id))
        )


@pytest.mark.usefixtures("moving_clock")
def test_reporters_who_lost_their_links_get_them_by_email(settings):  # type: ignore[no-untyped-def]
    with TestClient(create_app(settings)) as client:
        first = file_report(client, NCII, content_url="https://platform.example/p/61")
        second = file_report(client, NCII, content_url="https://platform.example/p/62")
        form = client.get("/track")
        assert form.status_code == 200 and 'name="email"' in form.text
        assert 'href="/track"' in client.get("/report").text  # the footer links to it
        assert 'id="lost-links"' in client.get("/track/not-a-token").text

        asked = client.post("/track", data={"email": "Jo@Example.org"})
        stranger = client.post("/track", data={"email": "nobody@example.org"})
        assert asked.status_code == stranger.status_code == 200
        assert asked.text == stranger.text  # nothing says whether the address reported
        # Nor how long it took: the page only records the request, the same either way.
        assert _waiting_requests(settings) == ["jo@example.org", "nobody@example.org"]
        (sent,) = _links_emails(settings)
        assert sent.recipient == "jo@example.org"
        for ack in (first, second):
            assert ack["tracking_token"] in sent.body and ack["report_id"] in sent.body
        assert first["case_id"] not in sent.body

        again = client.post("/track", data={"email": "jo@example.org"})
        assert again.status_code == 200
        assert len(_links_emails(settings)) == 1  # at most one an hour
        clock.advance(timedelta(hours=1, minutes=1))
        client.post("/track", data={"email": "jo@example.org"})
        assert len(_links_emails(settings)) == 2

        bad = client.post("/track", data={"email": "not an address"})
        assert bad.status_code == 422 and 'id="email-error"' in bad.text

        # The reporter erases their contact details after the decision: the address finds
        # nothing any more, and the links emails forget it.
        make_user(settings, "lead", "child_safety_reviewer")
        lead = staff_headers(client, settings, "lead")
        for ack in (first, second):
            decided = client.post(
                f"/v1/cases/{ack['case_id']}/decisions",
                json={"outcome": "no_violation", "reason": "not intimate imagery"},
                headers=lead,
            )
            assert decided.status_code == 201, decided.text
            erased = client.post(
                f"/track/{ack['tracking_token']}/erase-contact",
                data={"confirm": "yes"},
                follow_redirects=False,
            )
            assert erased.status_code == 303
        assert all(n.recipient != "jo@example.org" for n in _links_emails(settings))
        clock.advance(timedelta(hours=1, minutes=1))
        client.post("/track", data={"email": "jo@example.org"})
        assert len(_links_emails(settings)) == 2


def test_the_links_page_reads_the_same_for_a_reporter_and_a_stranger_in_spanish(settings):  # type: ignore[no-untyped-def]
    with TestClient(create_app(settings)) as client:
        ack = file_report(client, NCII, content_url="https://platform.example/p/63")
        spanish = {"Accept-Language": "es"}
        asked = client.post("/track", data={"email": "jo@example.org"}, headers=spanish)
        stranger = client.post("/track", data={"email": "x@example.org"}, headers=spanish)
        assert without_references(asked.text, ack) == without_references(stranger.text, ack)
        assert 'lang="es"' in asked.text
        (sent,) = _links_emails(settings)
        assert "Referencia" in sent.body or "referencia" in sent.body
