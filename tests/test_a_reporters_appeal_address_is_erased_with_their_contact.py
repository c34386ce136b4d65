"""Rule: a reporter's appeal address is erased with their contact details.

An appeal from the tracking page keeps its own copy of the reporter's email address (to tell them
the outcome). When the report's contact details are erased (the reporter's own request, the
retention job, a withdrawal), that copy goes too, with the addresses on the emails about it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown.api.app import create_app
from takedown.cases.models import Appeal
from takedown.notify.models import Notification
from takedown.store.db import session_scope
from tests.erasure_support import database_files_hold
from tests.reports_support import file_report
from tests.review_support import make_user, staff_headers

NCII = "non_consensual_intimate_imagery"
ADDRESS = "jo@example.org"


def _stored_addresses(settings) -> list[str | None]:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        appeals = list(db_session.scalars(select(Appeal.contact_email)))
        return appeals + list(db_session.scalars(select(Notification.recipient)))


def test_a_reporters_appeal_address_is_erased_with_their_contact(settings):  # type: ignore[no-untyped-def]
    with TestClient(create_app(settings)) as client:
        ack = file_report(client, NCII, content_url="https://platform.example/p/77")
        make_user(settings, "first", "child_safety_reviewer")
        make_user(settings, "second", "child_safety_reviewer")
        decided = client.post(
            f"/v1/cases/{ack['case_id']}/decisions",
            json={"outcome": "no_violation", "reason": "not intimate imagery"},
            headers=staff_headers(client, settings, "first"),
        )
        assert decided.status_code == 201, decided.text
        appealed = client.post(
            f"/track/{ack['tracking_token']}/appeal",
            data={"reason": "It is me in the picture."},
            follow_redirects=False,
        )
        assert appealed.status_code == 303
        second = staff_headers(client, settings, "second")
        (appeal,) = client.get(f"/v1/cases/{ack['case_id']}", headers=second).json()["appeals"]
        upheld = client.post(
            f"/v1/appeals/{appeal['appeal_id']}/decisions",
            json={"outcome": "upheld", "reason": "still not intimate imagery"},
            headers=second,
        )
        assert upheld.status_code == 201, upheld.text
        assert ADDRESS in _stored_addresses(settings)  # the appeal's copy, and its emails

        erased = client.post(
            f"/track/{ack['tracking_token']}/erase-contact",
            data={"confirm": "yes"},
            follow_redirects=False,
        )
        assert erased.status_code == 303
        assert ADDRESS not in _stored_addresses(settings)
        if settings.resolved_database_url.startswith("sqlite"):
            assert not database_files_hold(settings, ADDRESS)
