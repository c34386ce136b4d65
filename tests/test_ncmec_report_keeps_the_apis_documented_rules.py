"""A CyberTipline report is filed whatever people typed or the platform said: control characters,
right-to-left text and emoji, names and addresses longer than the API's fields, a platform clock
running ahead. NCMEC documents rules its XSD does not express (lengths, valid URLs and IP
addresses, times in the past with a zone); the sandbox refuses what NCMEC refuses, and Takedown
fits its voluntary values to those rules instead of having the statutory report refused."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from ipaddress import ip_address

import httpx
from lxml import etree
from sqlalchemy import select

from takedown import clock
from takedown.ncmec.models import NcmecFiling
from takedown.ncmec.scheduled import file_due_reports
from takedown.ncmec.schemas import (
    FileDetails,
    IpCaptureEvent,
    LawEnforcement,
    WebPageIncident,
)
from takedown.ncmec.xml import build_file_details, build_report, parse_response
from takedown.reports.models import Report
from takedown.store.db import session_scope
from tests.ncmec_factories import (
    SANDBOX_PASSWORD,
    SANDBOX_USER,
    decided_case,
    ncmec_settings,
    platform_metadata,
    sandbox,
)
from tests.test_ncmec_xml_is_schema_valid import minimal_report

XML = {"Content-Type": "text/xml; charset=utf-8"}
ZULU = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def _set_reports(settings, case_id: str, **values: object) -> None:
    with session_scope(settings.resolved_database_url) as db_session:
        for report in db_session.scalars(select(Report).where(Report.case_id == case_id)):
            for key, value in values.items():
                setattr(report, key, value)


def _filed_report(server) -> etree._Element:
    (report,) = server.state.reports.values()
    assert report.status == "finished"
    return etree.fromstring(report.report_xml.encode())


def _last_error(settings, filing_id: str) -> str | None:
    with session_scope(settings.resolved_database_url) as db_session:
        return db_session.get(NcmecFiling, filing_id).last_error


def test_control_characters_in_what_a_reporter_typed_do_not_stop_the_report(settings):
    name = 'S\x01am \u202e\u05e9\u05e8\u05d4 \U0001f9d2 <O\'Brien & "Co">\x0b'
    with sandbox() as server:
        settings = ncmec_settings(settings, server)
        case = decided_case(settings, victim=True, law_enforcement=True)
        _set_reports(
            settings,
            case.case_id,
            reporter_name=name,
            law_enforcement_agency="Polic\x1be \u0634\u0631\u0637\u0629",
            law_enforcement_case_number="CASE-\x08-7",
        )

        assert file_due_reports(settings) == {case.filing_id: "finished"}, _last_error(
            settings, case.filing_id
        )
        root = _filed_report(server)
        victim = root.find("victim/victimPerson")
        sent = f"{victim.findtext('firstName')} {victim.findtext('lastName')}"
        assert sent == 'Sam \u202e\u05e9\u05e8\u05d4 \U0001f9d2 <O\'Brien & "Co">'
        assert root.findtext("lawEnforcement/agencyName") == "Police \u0634\u0631\u0637\u0629"
        assert root.findtext("lawEnforcement/caseNumber") == "CASE--7"


def test_an_address_longer_than_the_url_field_is_sent_whole_in_additional_info(settings):
    long_url = "https://platform.example/p/123?" + "x" * 2500
    with sandbox() as server:
        settings = ncmec_settings(settings, server)
        case = decided_case(settings, content_url=long_url)

        assert file_due_reports(settings) == {case.filing_id: "finished"}, _last_error(
            settings, case.filing_id
        )
        root = _filed_report(server)
        assert root.findall("internetDetails/webPageIncident/url") == []
        assert long_url in root.findtext("internetDetails/webPageIncident/additionalInfo")
        (sent_file,) = next(iter(server.state.reports.values())).files.values()
        details = etree.fromstring(sent_file.details_xml.encode())
        assert details.find("locationOfFile") is None
        assert any(long_url in (n.text or "") for n in details.iterfind("additionalInfo"))


def test_a_name_longer_than_the_name_fields_is_sent_whole_in_additional_info(settings):
    # The report form takes names of up to 200 characters; NCMEC's name fields take 100.
    name = "Maximiliana" * 12 + " Example"
    with sandbox() as server:
        settings = ncmec_settings(settings, server)
        case = decided_case(settings, victim=True)
        _set_reports(settings, case.case_id, reporter_name=name)

        assert file_due_reports(settings) == {case.filing_id: "finished"}, _last_error(
            settings, case.filing_id
        )
        victim = _filed_report(server).find("victim")
        assert victim.find("victimPerson/firstName") is None
        assert name in victim.findtext("additionalInfo")


def test_a_platform_clock_running_ahead_does_not_make_ncmec_refuse_the_report(settings):
    ahead = (clock.now() + timedelta(minutes=5)).isoformat()
    metadata = {
        "uploaded_at": ahead,
        "ip_events": [
            {"ip_address": "2001:db8::7", "event": "Upload", "at": ahead},
            {"ip_address": "::ffff:192.0.2.9", "event": "Login", "at": "2026-01-02T09:30:00+05:30"},
            {"ip_address": "198.51.100.5", "event": "Other", "at": "2026-01-02T03:04:05"},
        ],
    }
    with sandbox() as server, platform_metadata(metadata) as (url, _):
        settings = ncmec_settings(
            settings, server, platform_metadata_url=url, platform_media_allowed_hosts=["127.0.0.1"]
        )
        case = decided_case(settings)

        assert file_due_reports(settings) == {case.filing_id: "finished"}, _last_error(
            settings, case.filing_id
        )
        root = _filed_report(server)
        incident_at = root.findtext("incidentSummary/incidentDateTime")
        assert ZULU.match(incident_at)
        assert datetime.fromisoformat(incident_at) < clock.now()
        assert "scanned" in root.findtext("incidentSummary/incidentDateTimeDescription") or (
            "first received" in root.findtext("incidentSummary/incidentDateTimeDescription")
        )
        events = {
            e.findtext("ipAddress"): e.findtext("dateTime")
            for e in root.iterfind("personOrUserReported/ipCaptureEvent")
        }
        # Ahead of now, or without a zone: left out. Another zone: sent in UTC.
        assert events == {
            "2001:db8::7": None,
            str(ip_address("::ffff:192.0.2.9")): "2026-01-02T04:00:00Z",
            "198.51.100.5": None,
        }


def _post(http: httpx.Client, path: str, document: bytes) -> int:
    return parse_response(http.post(path, content=document, headers=XML).content).response_code


def test_the_sandbox_refuses_what_the_documentation_refuses(settings):
    too_long = "https://platform.example/" + "a" * 2100
    refused_reports = {
        "url over 2,083 characters": minimal_report().model_copy(
            update={"internet_details": [WebPageIncident(urls=[too_long])]}
        ),
        "not a URL": minimal_report().model_copy(
            update={"internet_details": [WebPageIncident(urls=["see the post I sent"])]}
        ),
        "case number over 100 characters": minimal_report().model_copy(
            update={"law_enforcement": LawEnforcement(agency_name="P", case_number="9" * 101)}
        ),
    }
    blank_escalation = minimal_report()
    blank_escalation.incident_summary.escalate_to_high_priority = "   "
    refused_reports["blank escalateToHighPriority"] = blank_escalation
    future = clock.now() + timedelta(hours=1)
    refused_details = {
        "upload time in the future": FileDetails(uploaded_to_esp_timestamp=future),
        "IP event in the future": FileDetails(
            ip_capture_event=IpCaptureEvent(ip_address="192.0.2.1", date_time=future)
        ),
        "not an IP address": FileDetails(ip_capture_event=IpCaptureEvent(ip_address="192.0.2.300")),
        "file name over 2,056 characters": FileDetails(original_file_name="a" * 2057),
    }
    with (
        sandbox() as server,
        httpx.Client(base_url=server.url, auth=(SANDBOX_USER, SANDBOX_PASSWORD)) as http,
    ):
        for label, report in refused_reports.items():
            assert _post(http, "/submit", build_report(report)) == 4100, label
        assert server.state.reports == {}

        opened = http.post("/submit", content=build_report(minimal_report()), headers=XML)
        report_id = parse_response(opened.content).report_id
        upload = http.post("/upload", data={"id": report_id}, files={"file": ("a.jpg", b"x")})
        file_id = parse_response(upload.content).file_id
        for label, details in refused_details.items():
            document = build_file_details(details, report_id=report_id, file_id=file_id)
            assert _post(http, "/fileinfo", document) == 4100, label
        naive = build_file_details(
            FileDetails(uploaded_to_esp_timestamp=clock.now()),
            report_id=report_id,
            file_id=file_id,
        )
        naive = re.sub(rb"(<uploadedToEspTimestamp>[^<]*)Z<", rb"\1<", naive)
        assert _post(http, "/fileinfo", naive) == 4100, "a time without a zone"

        ok = build_file_details(
            FileDetails(original_file_name="\u05e9.jpg"), report_id=report_id, file_id=file_id
        )
        assert _post(http, "/fileinfo", ok) == 0
