"""When the platform's metadata endpoint (TAKEDOWN_PLATFORM_METADATA_URL) describes the upload,
the CyberTipline report carries the screen name and IP events; when it fails, the report is
still filed (the metadata is voluntary, the report is not) and the gap is recorded."""

from __future__ import annotations

from lxml import etree

from takedown.ncmec.models import NcmecFiling
from takedown.ncmec.scheduled import file_due_reports
from takedown.store.db import session_scope
from tests.ncmec_factories import decided_case, ncmec_settings, platform_metadata, sandbox

METADATA = {
    "account_id": "acct-uploader-1",
    "screen_name": "uploader_one",
    "uploaded_at": "2026-01-02T03:04:05Z",
    "publicly_available": False,
    "ip_events": [
        {"ip_address": "198.51.100.23", "event": "Upload", "at": "2026-01-02T03:04:05Z"},
        {"ip_address": "198.51.100.24", "event": "Login", "at": "2026-01-01T22:00:00Z"},
    ],
}


def test_screen_name_and_ip_events_come_from_the_platform(settings):
    with sandbox() as server, platform_metadata(METADATA) as (url, requested):
        settings = ncmec_settings(
            settings,
            server,
            platform_metadata_url=url,
            platform_media_allowed_hosts=["127.0.0.1"],
        )
        case = decided_case(settings)
        assert file_due_reports(settings) == {case.filing_id: "finished"}
        assert requested == ["/meta/content-123?account=acct-uploader-1"]

        (report,) = server.state.reports.values()
        root = etree.fromstring(report.report_xml.encode())
        user = root.find("personOrUserReported")
        assert user.findtext("screenName") == "uploader_one"
        events = [
            (e.findtext("ipAddress"), e.findtext("eventName"))
            for e in user.iterfind("ipCaptureEvent")
        ]
        assert events == [("198.51.100.23", "Upload"), ("198.51.100.24", "Login")]
        assert root.findtext("incidentSummary/incidentDateTime") == "2026-01-02T03:04:05Z"
        (sent_file,) = report.files.values()
        details = etree.fromstring(sent_file.details_xml.encode())
        assert details.findtext("uploadedToEspTimestamp") == "2026-01-02T03:04:05Z"
        assert details.findtext("publiclyAvailable") == "false"
        assert details.findtext("ipCaptureEvent/ipAddress") == "198.51.100.23"


def test_metadata_outside_the_allowed_hosts_is_not_fetched(settings):
    with sandbox() as server, platform_metadata(METADATA) as (url, requested):
        settings = ncmec_settings(settings, server, platform_metadata_url=url)
        case = decided_case(settings)
        assert file_due_reports(settings) == {case.filing_id: "finished"}
        assert requested == []
        _assert_filed_without_metadata(settings, server, case.filing_id)


def test_a_failing_metadata_endpoint_does_not_stop_the_report(settings):
    with sandbox() as server, platform_metadata(METADATA, status=503) as (url, requested):
        settings = ncmec_settings(
            settings, server, platform_metadata_url=url, platform_media_allowed_hosts=["127.0.0.1"]
        )
        case = decided_case(settings)
        assert file_due_reports(settings) == {case.filing_id: "finished"}
        assert len(requested) == 1
        _assert_filed_without_metadata(settings, server, case.filing_id)


def _assert_filed_without_metadata(settings, server, filing_id: str) -> None:
    (report,) = server.state.reports.values()
    root = etree.fromstring(report.report_xml.encode())
    assert root.find("personOrUserReported/screenName") is None
    assert root.findtext("personOrUserReported/espIdentifier") == "acct-uploader-1"
    with session_scope(settings.resolved_database_url) as db_session:
        history = db_session.get(NcmecFiling, filing_id).history
    submitted = next(e for e in history if e["event"] == "submitted")
    assert "platform metadata not used" in submitted["detail"]
