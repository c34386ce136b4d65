"""Rule: a reporter can erase their contact details once their case is decided.

Reporters' names and email addresses are kept after the decision only in case they appeal, and
the retention job erases them a year on. A reporter (often a victim) who wants them gone sooner
erases them from the tracking page, once nothing needs them: the case decided and closed, no
appeal open, no evidence on legal hold, no CyberTipline report still being filed. Before that, the
page offers nothing and a request is refused. A report by fingerprint alone is never offered it:
its reporter is not told whether its case was decided."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown.api.app import create_app
from takedown.notify.models import Notification
from takedown.store.db import session_scope
from tests.erasure_support import database_files_hold
from tests.media import generated_scene, jpeg
from tests.reports_support import file_report
from tests.review_support import case_seen_by_staff, make_user, staff_headers
from tests.test_reporters_can_report_by_a_fingerprint_of_their_own_copy import by_fingerprint

NCII = "non_consensual_intimate_imagery"


def _erase(client: TestClient, ack: dict[str, str], **form: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"/track/{ack['tracking_token']}/erase-contact", data=form, follow_redirects=False
    )


def _recipients(settings) -> list[str]:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        return list(db_session.scalars(select(Notification.recipient)))


def test_reporters_can_erase_their_contact_details_once_the_case_is_decided(settings):  # type: ignore[no-untyped-def]
    with TestClient(create_app(settings)) as client:
        ack = file_report(client, NCII, content_url="https://platform.example/p/55")
        page = client.get(f"/track/{ack['tracking_token']}").text
        assert 'id="erase"' not in page
        early = _erase(client, ack, confirm="yes")
        assert early.status_code == 409 and 'id="erase-error"' in early.text

        make_user(settings, "lead", "child_safety_reviewer")
        decided = client.post(
            f"/v1/cases/{ack['case_id']}/decisions",
            json={"outcome": "no_violation", "reason": "not intimate imagery"},
            headers=staff_headers(client, settings, "lead"),
        )
        assert decided.status_code == 201, decided.text
        assert "jo@example.org" in _recipients(settings)  # acknowledgment and decision
        page = client.get(f"/track/{ack['tracking_token']}").text
        assert 'id="erase"' in page

        unconfirmed = _erase(client, ack)
        assert unconfirmed.status_code == 422
        assert _erase(client, ack, confirm="yes").status_code == 303
        page = client.get(f"/track/{ack['tracking_token']}?erased=1").text
        assert 'id="contact-erased"' in page and 'id="erase"' not in page
        (report,) = case_seen_by_staff(client, settings, ack["case_id"])["reports"]
        assert "jo@example.org" not in str(report)
        assert "jo@example.org" not in _recipients(settings)
        if settings.resolved_database_url.startswith("sqlite"):
            assert not database_files_hold(settings, "jo@example.org")  # nor in the files
        # The page still works: the reporter can still appeal the decision.
        assert 'action="/track/' + ack["tracking_token"] + '/appeal"' in page


def test_a_report_by_fingerprint_alone_is_never_offered_erasure(settings):  # type: ignore[no-untyped-def]
    picture = generated_scene(9861)
    with TestClient(create_app(settings)) as client:
        ack = by_fingerprint(client, "child_sexual_abuse", picture, jpeg(picture))
        assert 'id="erase"' not in client.get(f"/track/{ack['tracking_token']}").text
        refused = _erase(client, ack, confirm="yes")
        assert refused.status_code == 409 and 'id="erase-error"' in refused.text
        assert "The case is decided" not in refused.text
