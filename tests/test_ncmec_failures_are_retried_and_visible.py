"""A CyberTipline filing that fails is never silent: the state, the error and NCMEC's response
code show on the case and in /metrics; transient failures are retried with exponential backoff,
and a report left open by a failure is retracted before the filing starts again."""

from __future__ import annotations

from datetime import timedelta

from pydantic import SecretStr

from takedown import clock
from takedown.auth.models import Role
from takedown.ncmec.scheduled import file_due_reports
from tests.metrics_support import metrics_text
from tests.ncmec_factories import decided_case, make_user, ncmec_settings, sandbox


def _filing(client, token: str, case_id: str) -> dict:
    headers = {"Authorization": f"Bearer {token}"}
    response = client.get(f"/v1/cases/{case_id}/ncmec", headers=headers)
    assert response.status_code == 200
    (filing,) = response.json()["filings"]
    return filing


def _metric(client, line_start: str) -> float:
    for line in metrics_text(client).splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_bad_credentials_fail_with_code_2000_visibly(settings, client):
    with sandbox() as server:
        settings = ncmec_settings(settings, server, ncmec_password=SecretStr("wrong password"))
        case = decided_case(settings)
        _, token = make_user(settings, Role.LEGAL)
        failures_before = _metric(client, 'takedown_ncmec_filing_failures_total{reason="2000"}')

        assert file_due_reports(settings) == {case.filing_id: "failed"}

        filing = _filing(client, token, case.case_id)
        assert filing["state"] == "failed"
        assert filing["last_response_code"] == 2000
        assert "Authentication required" in filing["last_error"]
        assert "Request-ID req_" in filing["last_error"]  # what NCMEC support asks for
        assert filing["ncmec_report_id"] is None
        assert filing["next_attempt_at"] is not None  # the operator may fix the credentials
        assert server.state.reports == {}
        assert server.state.calls == ["submit"]
        assert (
            _metric(client, 'takedown_ncmec_filing_failures_total{reason="2000"}')
            == failures_before + 1
        )
        assert _metric(client, 'takedown_ncmec_filings{state="failed"}') == 1


def test_transient_failure_is_retried_with_exponential_backoff(settings, client):
    with sandbox() as server:
        settings = ncmec_settings(settings, server, ncmec_retry_base_seconds=60.0)
        case = decided_case(settings)
        _, token = make_user(settings, Role.LEGAL)
        server.state.fail_next(2, endpoint="submit")  # HTTP 500, code 1000

        start = clock.now()
        assert file_due_reports(settings) == {case.filing_id: "failed"}
        first = _filing(client, token, case.case_id)
        assert first["attempts"] == 1 and "HTTP 500" in first["last_error"]
        first_wait = _seconds_until(first["next_attempt_at"], start)
        assert 55 <= first_wait <= 65

        # Not due yet: nothing is sent before the backoff has passed.
        assert file_due_reports(settings) == {}
        clock.advance(timedelta(seconds=61))
        moved = clock.now()
        assert file_due_reports(settings) == {case.filing_id: "failed"}
        second = _filing(client, token, case.case_id)
        assert second["attempts"] == 2
        assert 115 <= _seconds_until(second["next_attempt_at"], moved) <= 125  # doubled

        clock.advance(timedelta(seconds=121))
        assert file_due_reports(settings) == {case.filing_id: "finished"}
        done = _filing(client, token, case.case_id)
        assert done["state"] == "finished" and done["last_error"] is None
        assert done["attempts"] == 3
        assert server.state.calls[:2] == ["submit", "submit"]


def test_failure_after_submit_retracts_the_unfinished_report(settings, client):
    with sandbox() as server:
        settings = ncmec_settings(settings, server)
        case = decided_case(settings, files=2)
        _, token = make_user(settings, Role.LEGAL)
        server.state.fail_next(1, endpoint="fileinfo")

        assert file_due_reports(settings) == {case.filing_id: "failed"}
        assert server.state.calls == ["submit", "upload", "fileinfo", "retract"]
        (abandoned,) = server.state.reports.values()
        assert abandoned.status == "retracted"
        failed = _filing(client, token, case.case_id)
        assert failed["state"] == "failed"
        assert failed["retracted_report_ids"] == [abandoned.report_id]
        assert failed["ncmec_report_id"] is None
        assert [e["event"] for e in failed["history"]][-3:] == ["submitted", "retracted", "failed"]

        clock.advance(timedelta(seconds=settings.ncmec_retry_base_seconds + 1))
        assert file_due_reports(settings) == {case.filing_id: "finished"}
        statuses = sorted(r.status for r in server.state.reports.values())
        assert statuses == ["finished", "retracted"]
        done = _filing(client, token, case.case_id)
        assert done["ncmec_report_id"] != abandoned.report_id
        assert len(done["file_ids"]) == 2
        # Every file id is kept, including those of the retracted report.
        assert {f["ncmec_report_id"] for f in done["files"]} == {
            abandoned.report_id,
            done["ncmec_report_id"],
        }


def test_report_left_open_by_a_crash_is_retracted_before_filing_again(settings, client):
    from takedown.ncmec.models import NcmecFiling
    from takedown.store.db import session_scope

    with sandbox() as server:
        settings = ncmec_settings(settings, server)
        case = decided_case(settings)
        _, token = make_user(settings, Role.LEGAL)
        # A worker opened the report and died: the row says `sent`, its lease has run out.
        from takedown.ncmec.client import CyberTiplineClient
        from takedown.ncmec.schemas import Environment

        with CyberTiplineClient.from_settings(
            settings, report_environment=Environment.TEST
        ) as ncmec:
            from takedown.ncmec.xml import build_report
            from tests.test_ncmec_xml_is_schema_valid import minimal_report

            orphan = ncmec.submit(build_report(minimal_report()))
        with session_scope(settings.resolved_database_url) as db_session:
            row = db_session.get(NcmecFiling, case.filing_id)
            row.state, row.ncmec_report_id = "sent", orphan
            row.lease_until = clock.now() - timedelta(seconds=1)

        assert file_due_reports(settings) == {case.filing_id: "finished"}
        assert server.state.reports[orphan].status == "retracted"
        done = _filing(client, token, case.case_id)
        assert done["retracted_report_ids"] == [orphan]
        assert done["ncmec_report_id"] != orphan


def test_rejected_report_is_not_retried_and_needs_a_person(settings, client):
    with sandbox() as server:
        # NCMEC requires an email for the reporting person: without one it answers 4100.
        settings = ncmec_settings(settings, server, esp_contact_email="")
        case = decided_case(settings)
        _, token = make_user(settings, Role.LEGAL)

        assert file_due_reports(settings) == {case.filing_id: "failed"}
        filing = _filing(client, token, case.case_id)
        assert filing["last_response_code"] == 4100
        assert filing["next_attempt_at"] is None
        assert "not retried" in filing["history"][-1]["detail"]
        assert _metric(client, "takedown_ncmec_filings_needing_attention ") == 1

        clock.advance(timedelta(days=1))
        assert file_due_reports(settings) == {}


def _seconds_until(iso: str, start) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(iso) - start).total_seconds()


def test_a_lost_finish_answer_is_recognised_as_filed_not_filed_twice(settings, client):
    with sandbox() as server:
        settings = ncmec_settings(settings, server)
        case = decided_case(settings)
        _, token = make_user(settings, Role.LEGAL)
        # NCMEC finishes the report, but its answer never reaches us.
        server.state.fail_next(1, endpoint="finish", after=True)

        assert file_due_reports(settings) == {case.filing_id: "finished"}
        assert server.state.calls[-2:] == ["finish", "retract"]
        (report,) = server.state.reports.values()
        assert report.status == "finished"
        filing = _filing(client, token, case.case_id)
        assert filing["state"] == "finished"
        assert filing["ncmec_report_id"] == report.report_id
        assert filing["receipt_xml"] is None
        assert "receipt was not received" in filing["history"][-1]["detail"]
        clock.advance(timedelta(hours=2))
        assert file_due_reports(settings) == {}
        assert len(server.state.reports) == 1
