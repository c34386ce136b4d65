"""A violating child-safety decision is filed to the CyberTipline through all four endpoints
(submit, upload, fileinfo, finish); the report id, every file id and the receipt are stored and
visible on the case."""

from __future__ import annotations

import httpx
from lxml import etree

from takedown.auth.models import Role
from takedown.cases.models import Case
from takedown.ncmec.scheduled import file_due_reports
from takedown.ncmec.service import queue_report
from takedown.ncmec.xml import validate
from takedown.review.models import Decision
from takedown.store.db import session_scope
from tests.ncmec_factories import (
    SANDBOX_PASSWORD,
    SANDBOX_USER,
    decided_case,
    make_user,
    ncmec_settings,
    sandbox,
)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_violating_decision_is_filed_through_all_four_endpoints(settings, client):
    with sandbox() as server:
        settings = ncmec_settings(settings, server)
        case = decided_case(settings, files=2, law_enforcement=True, victim=True)
        assert case.filing_id is not None

        _, reviewer_token = make_user(settings, Role.CHILD_SAFETY_REVIEWER)
        before = client.get(f"/v1/cases/{case.case_id}/ncmec", headers=_bearer(reviewer_token))
        assert before.status_code == 200
        assert [f["state"] for f in before.json()["filings"]] == ["pending"]

        assert file_due_reports(settings) == {case.filing_id: "finished"}

        assert server.state.calls == [
            "submit",
            "upload",
            "fileinfo",
            "upload",
            "fileinfo",
            "finish",
        ]
        (report,) = server.state.reports.values()
        assert report.status == "finished"
        assert sorted(f.md5 for f in report.files.values()) == sorted(case.media_md5s)
        for sandbox_file in report.files.values():
            assert sandbox_file.details_xml is not None
            details = etree.fromstring(sandbox_file.details_xml.encode())
            assert details.findtext("industryClassification") == "A2"
            assert details.findtext("fileViewedByEsp") == "true"
            assert details.find("originalFileHash[@hashType='MD5']").text == sandbox_file.md5
            assert details.findtext("originalFileName") in {"upload-0.jpg", "upload-1.jpg"}

        submitted = etree.fromstring(report.report_xml.encode())
        validate(report.report_xml.encode())
        assert submitted.findtext("lawEnforcement/caseNumber") == "ECP-2026-0042"
        assert submitted.findtext("lawEnforcement/agencyName") == "Example County Police"
        assert submitted.findtext("victim/victimPerson/email") == "sam@example.org"
        assert submitted.findtext("personOrUserReported/espIdentifier") == "acct-uploader-1"
        assert submitted.findtext("reporter/reportingPerson/email") == "safety@example.com"
        assert submitted.findtext("internetDetails/webPageIncident/url") == (
            "https://platform.example/p/123"
        )

        shown = client.get(f"/v1/cases/{case.case_id}/ncmec", headers=_bearer(reviewer_token))
        (filing,) = shown.json()["filings"]
        assert filing["state"] == "finished"
        assert filing["ncmec_report_id"] == report.report_id
        assert sorted(filing["file_ids"]) == sorted(report.files)
        receipt = etree.fromstring(filing["receipt_xml"].encode())
        assert receipt.tag == "reportDoneResponse"
        assert receipt.findtext("reportId") == report.report_id
        assert sorted(n.text for n in receipt.iterfind("files/fileId")) == sorted(report.files)

        # Filed once: the job has nothing more to do, and NCMEC got exactly one report.
        assert file_due_reports(settings) == {}
        listing = httpx.get(
            f"http://{server.host}:{server.port}/_sandbox/reports",
            auth=(SANDBOX_USER, SANDBOX_PASSWORD),
        ).json()
        assert len(listing["reports"]) == 1


def test_legal_files_by_hand_and_a_reviewer_may_not(settings, client, app):
    with sandbox() as server:
        settings = ncmec_settings(settings, server)
        app.state.settings = settings
        case = decided_case(settings, queue=False, files=1)
        _, reviewer_token = make_user(settings, Role.CHILD_SAFETY_REVIEWER)
        _, legal_token = make_user(settings, Role.LEGAL)

        refused = client.post(f"/v1/cases/{case.case_id}/ncmec", headers=_bearer(reviewer_token))
        assert refused.status_code == 403

        queued = client.post(f"/v1/cases/{case.case_id}/ncmec", headers=_bearer(legal_token))
        assert queued.status_code == 202
        assert queued.json()["filing"]["state"] == "pending"
        assert queued.json()["filing"]["requested_by"].startswith("user:")

        file_due_reports(settings)
        shown = client.get(f"/v1/cases/{case.case_id}/ncmec", headers=_bearer(legal_token))
        assert shown.json()["filings"][0]["state"] == "finished"

        again = client.post(f"/v1/cases/{case.case_id}/ncmec", headers=_bearer(legal_token))
        assert again.status_code == 409
        assert again.json()["code"] == "ncmec_already_filed"


def test_acting_on_a_decision_again_keeps_one_filing(settings):
    with sandbox() as server:
        settings = ncmec_settings(settings, server)
        case = decided_case(settings)
        # The decision is acted on again (e.g. an upheld appeal): still one filing.
        with session_scope(settings.resolved_database_url) as db_session:
            again = queue_report(
                db_session=db_session,
                settings=settings,
                case=db_session.get(Case, case.case_id),
                decision=db_session.get(Decision, case.decision_id),
            )
            assert again is not None and again.id == case.filing_id


def test_a_filing_withdrawn_before_it_is_sent_never_reaches_ncmec(settings):
    from takedown.ncmec.service import withdraw_report

    with sandbox() as server:
        settings = ncmec_settings(settings, server)
        case = decided_case(settings)
        with session_scope(settings.resolved_database_url) as db_session:
            withdrawn = withdraw_report(
                db_session=db_session,
                case=db_session.get(Case, case.case_id),
                actor="user:appeals",
                reason="decision overturned on appeal",
            )
            assert withdrawn.state == "failed" and withdrawn.next_attempt_at is None
        assert file_due_reports(settings) == {}
        assert server.state.calls == []
