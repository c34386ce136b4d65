"""Rule: a reporter's name, email address and signature are kept while they are needed, and no
longer. Once a case has been closed for TAKEDOWN_REPORTER_CONTACT_RETENTION_DAYS (never less than
the appeal window), its reports' contact details are erased, with the addresses on the emails sent
about it; the report stays as the record, and the tracking link keeps working. Not erased: open
cases, and cases whose CyberTipline report is not finished (it names the victim)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown import clock
from takedown.api.app import create_app
from takedown.cases.models import Case
from takedown.ncmec.service import withdraw_report
from takedown.notify.models import Notification
from takedown.reports.models import Report
from takedown.reports.retention import erase_expired_contacts
from takedown.store.db import session_scope
from tests.enforcement_support import decide_violating, moving_clock  # noqa: F401
from tests.erasure_support import database_files_hold
from tests.media import generated_scene, jpeg
from tests.review_support import console, make_user, report


def _victim(name: str) -> dict[str, object]:
    return {"name": name, "email": f"{name.lower()}@example.org", "role": "victim"}


def _contacts(settings, case_id: str) -> tuple:  # type: ignore[no-untyped-def, type-arg]
    with session_scope(settings.resolved_database_url) as db_session:
        row = db_session.execute(
            select(
                Report.reporter_name,
                Report.reporter_email,
                Report.signature,
                Report.contact_erased_at.is_not(None),
            ).where(Report.case_id == case_id)
        ).one()
        recipients = set(
            db_session.scalars(
                select(Notification.recipient).where(Notification.case_id == case_id)
            )
        )
    return (*row, recipients)


@pytest.mark.usefixtures("moving_clock")
def test_reporter_contact_is_erased_after_the_retention_period(settings) -> None:  # type: ignore[no-untyped-def]
    settings = settings.model_copy(update={"reporter_contact_retention_days": 30})
    app = create_app(settings)
    with TestClient(app) as client:
        decided = report(
            client,
            category="non_consensual_intimate_imagery",
            reporter=_victim("Ada"),
            signature="Ada",
            content_url="https://platform.example/p/ada",
        )
        still_open = report(
            client,
            category="non_consensual_intimate_imagery",
            reporter=_victim("Bea"),
            signature="Bea",
            content_url="https://platform.example/p/bea",
        )
        # Child sexual abuse shown of the reporter herself: the CyberTipline report names her.
        abuse = report(
            client,
            category="child_sexual_abuse",
            image=jpeg(generated_scene(9301)),
            content_id="p-cleo",
            reporter=_victim("Cleo"),
        )
        decide_violating(client, settings, decided["case_id"], username="r1", policy="ncii")
        decide_violating(client, settings, abuse["case_id"], username="r2", classification="A1")
        assert _contacts(settings, decided["case_id"]) == (
            "Ada", "ada@example.org", "Ada", False, {"ada@example.org"},
        )  # fmt: skip

        # The retention period (30 days) is shorter than the appeal window: that wins.
        clock.advance(timedelta(days=100))
        assert erase_expired_contacts(settings) == 0
        clock.advance(timedelta(days=100))
        keep_all = settings.model_copy(update={"reporter_contact_retention_days": 0})
        assert erase_expired_contacts(keep_all) == 0  # 0: kept for good
        assert erase_expired_contacts(settings) == 1
        assert erase_expired_contacts(settings) == 0  # once

        assert _contacts(settings, decided["case_id"]) == (None, None, None, True, {"(erased)"})
        if settings.resolved_database_url.startswith("sqlite"):
            assert not database_files_hold(settings, "ada@example.org")  # nor in the files
        assert _contacts(settings, still_open["case_id"])[:4] == (
            "Bea", "bea@example.org", "Bea", False,
        )  # fmt: skip
        # The CyberTipline report was never filed here (no NCMEC configured): kept.
        assert _contacts(settings, abuse["case_id"])[:2] == ("Cleo", "cleo@example.org")
        # Withdrawn, as an overturned decision does (enforcement.flows.reverse): no report is
        # owed any more, so nothing keeps the contact past its period.
        with session_scope(settings.resolved_database_url) as db_session:
            abuse_case = db_session.get(Case, abuse["case_id"])
            assert abuse_case is not None
            withdraw_report(db_session=db_session, case=abuse_case, actor="test", reason="x")
        assert erase_expired_contacts(settings) == 1
        assert _contacts(settings, abuse["case_id"])[:2] == (None, None)

        assert client.get(f"/track/{decided['tracking_token']}").status_code == 200
        make_user(settings, "csr", "child_safety_reviewer")
        page = console(app, "csr").get(f"/console/cases/{decided['case_id']}").text
        assert "erased" in page and "ada@example.org" not in page
