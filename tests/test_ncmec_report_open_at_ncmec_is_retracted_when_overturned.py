"""A CyberTipline report already open at NCMEC (submitted, not finished) when two appeal reviewers
overturn the removal is retracted, as the API lets a reporter do until /finish, and never filed
again; a report being sent at that moment stops before its next upload or its /finish."""

from __future__ import annotations

from datetime import timedelta

from takedown import clock
from takedown.cases.models import Case
from takedown.ncmec import flows
from takedown.ncmec.client import CyberTiplineClient
from takedown.ncmec.models import NcmecFiling
from takedown.ncmec.scheduled import file_due_reports
from takedown.ncmec.schemas import Environment
from takedown.ncmec.service import withdraw_report
from takedown.ncmec.xml import build_report
from takedown.store.db import session_scope
from tests.enforcement_support import decide_violating, report_with_media
from tests.media import generated_scene, jpeg
from tests.ncmec_factories import decided_case, ncmec_settings, sandbox
from tests.review_support import make_user, staff_headers
from tests.test_ncmec_xml_is_schema_valid import minimal_report


def _filing(settings, case_id: str) -> NcmecFiling:
    with session_scope(settings.resolved_database_url) as db_session:
        (row,) = db_session.query(NcmecFiling).filter_by(case_id=case_id).all()
        db_session.expunge(row)
        return row


def _overturn(client, settings, case_id: str, auth_header) -> None:
    appeal_id = client.post(
        "/v1/uploader-appeals",
        json={"case_id": case_id, "reason": "mistake"},
        headers=auth_header("report"),
    ).json()["appeal_id"]
    for name in ("second", "third"):
        make_user(settings, name, "child_safety_reviewer")
        answer = client.post(
            f"/v1/appeals/{appeal_id}/decisions",
            json={"outcome": "overturned", "reason": "not abuse material"},
            headers=staff_headers(client, settings, name),
        )
        assert answer.status_code == 201, answer.text


def test_a_report_left_open_at_ncmec_is_retracted_when_the_removal_is_overturned(
    client, settings, auth_header
):
    with sandbox() as server:
        ncmec = ncmec_settings(settings, server)
        filed = report_with_media(
            client, jpeg(generated_scene(73)), content_id="post-73", account_id="acct-73"
        )
        case_id = filed["case_id"]
        decide_violating(client, settings, case_id, username="first", classification="B2")
        # A worker opened the report at NCMEC and died: the filing says `sent`.
        with CyberTiplineClient.from_settings(ncmec, report_environment=Environment.TEST) as api:
            open_id = api.submit(build_report(minimal_report()))
        with session_scope(settings.resolved_database_url) as db_session:
            row = db_session.query(NcmecFiling).filter_by(case_id=case_id).one()
            row.state, row.ncmec_report_id = "sent", open_id
            row.next_attempt_at = row.lease_until = clock.now() - timedelta(seconds=1)

        _overturn(client, settings, case_id, auth_header)
        file_due_reports(ncmec)

        assert server.state.reports[open_id].status == "retracted"
        assert [r.status for r in server.state.reports.values()] == ["retracted"]
        filing = _filing(settings, case_id)
        assert filing.state == "failed" and filing.last_error.startswith("withdrawn")
        assert filing.retracted_report_ids == [open_id] and filing.next_attempt_at is None
        assert file_due_reports(ncmec) == {}


def test_a_report_being_sent_stops_and_is_retracted_when_withdrawn_midway(settings, monkeypatch):
    with sandbox() as server:
        settings = ncmec_settings(settings, server)
        case = decided_case(settings, files=2)
        build_details = flows.build_file_details

        def overturned_during_the_first_upload(*args, **kwargs):  # type: ignore[no-untyped-def]
            with session_scope(settings.resolved_database_url) as db_session:
                withdraw_report(
                    db_session=db_session,
                    case=db_session.get(Case, case.case_id),
                    actor="system:enforcement",
                    reason="the decision was overturned on appeal",
                )
            return build_details(*args, **kwargs)

        monkeypatch.setattr(flows, "build_file_details", overturned_during_the_first_upload)
        assert file_due_reports(settings) == {case.filing_id: "failed"}

        (report,) = server.state.reports.values()
        assert report.status == "retracted"
        assert "finish" not in server.state.calls
        assert server.state.calls.count("upload") == 1
        filing = _filing(settings, case.case_id)
        assert filing.last_error.startswith("withdrawn")
        assert filing.next_attempt_at is None and filing.ncmec_report_id is None
