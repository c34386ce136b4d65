"""Every CyberTipline document Takedown builds is valid against NCMEC's XSD, in the schema's
element order, for every shape of case; an invalid document is refused and never sent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import xmlschema
from lxml import etree

from takedown.cases.models import Case, Category
from takedown.ncmec.case_report import package_for_case
from takedown.ncmec.client import CyberTiplineClient
from takedown.ncmec.metadata import PlatformMetadata
from takedown.ncmec.schemas import (
    CyberTiplineReport,
    IncidentSummary,
    IncidentType,
    Person,
    Reporter,
)
from takedown.ncmec.xml import (
    InvalidCyberTiplineXml,
    build_file_details,
    build_report,
    validate,
    xsd_text,
)
from takedown.review.models import Decision
from takedown.store.db import session_scope
from tests.ncmec_factories import (
    SANDBOX_PASSWORD,
    SANDBOX_USER,
    decided_case,
    sandbox,
)

SHAPES = {
    "one file, nothing else known": {"files": 1},
    "law enforcement case number": {"files": 1, "law_enforcement": True},
    "victim known": {"files": 1, "victim": True},
    "several files, police and victim": {"files": 3, "law_enforcement": True, "victim": True},
    "no files, no account, no url": {"files": 0, "account_id": None, "content_url": None},
    "exploitation, unclassified": {
        "category": Category.CHILD_SEXUAL_EXPLOITATION,
        "classification": None,
    },
}

METADATA = PlatformMetadata.model_validate(
    {
        "account_id": "acct-uploader-1",
        "screen_name": "uploader_one",
        "display_name": "Uploader One",
        "profile_url": "https://platform.example/u/uploader_one",
        "uploaded_at": "2026-01-02T03:04:05Z",
        "publicly_available": True,
        "ip_events": [
            {"ip_address": "192.0.2.10", "event": "Upload", "at": "2026-01-02T03:04:05Z"},
            {"ip_address": "2001:db8::1", "event": "Login", "port": 443, "possible_proxy": False},
        ],
    }
)


def minimal_report() -> CyberTiplineReport:
    return CyberTiplineReport(
        incident_summary=IncidentSummary(
            incident_type=IncidentType.CHILD_PORNOGRAPHY,
            incident_date_time=datetime(2026, 1, 1, tzinfo=UTC),
        ),
        reporter=Reporter(reporting_person=Person(emails=["safety@example.com"])),
    )


def _declared_order(element_name: str) -> list[str]:
    schema = xmlschema.XMLSchema(xsd_text().decode())
    content = schema.elements[element_name].type.content
    return [child.local_name for child in content.iter_elements()]


def _assert_in_schema_order(document: bytes, root_name: str) -> None:
    declared = _declared_order(root_name)
    tags = [child.tag for child in etree.fromstring(document)]
    positions = [declared.index(tag) for tag in tags]
    assert positions == sorted(positions), (tags, declared)


def _documents(settings, shape: dict, metadata: PlatformMetadata | None):
    with session_scope(settings.resolved_database_url) as db_session:
        case_ids = decided_case(settings, queue=False, **shape)
        package = package_for_case(
            db_session=db_session,
            settings=settings,
            case=db_session.get(Case, case_ids.case_id),
            decision=db_session.get(Decision, case_ids.decision_id),
            metadata=metadata,
        )
    report = build_report(package.report)
    details = [
        build_file_details(item.details, report_id="4564654", file_id=f"file{i}")
        for i, item in enumerate(package.files)
    ]
    return package, report, details


@pytest.mark.parametrize("with_metadata", [False, True], ids=["no metadata", "platform metadata"])
@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
def test_documents_from_every_case_shape_are_valid_and_ordered(settings, shape, with_metadata):
    _, report, details = _documents(settings, SHAPES[shape], METADATA if with_metadata else None)
    validate(report)  # build_report validated already; validate the bytes as they would be sent
    _assert_in_schema_order(report, "report")
    assert len(details) == SHAPES[shape].get("files", 1)
    for document in details:
        validate(document)
        _assert_in_schema_order(document, "fileDetails")

    root = etree.fromstring(report)
    assert root.findtext("incidentSummary/incidentType") in {t.value for t in IncidentType}
    assert (root.find("lawEnforcement") is not None) == SHAPES[shape].get("law_enforcement", False)
    assert (root.find("victim") is not None) == SHAPES[shape].get("victim", False)
    if with_metadata:
        user = root.find("personOrUserReported")
        assert user.findtext("screenName") == "uploader_one"
        assert [e.findtext("ipAddress") for e in user.iterfind("ipCaptureEvent")] == [
            "192.0.2.10",
            "2001:db8::1",
        ]
        assert root.findtext("incidentSummary/incidentDateTime") == "2026-01-02T03:04:05Z"
        for document in details:
            file_root = etree.fromstring(document)
            assert file_root.findtext("publiclyAvailable") == "true"
            assert file_root.findtext("ipCaptureEvent/eventName") == "Upload"


def test_element_order_is_the_schemas_even_when_every_field_is_filled(settings):
    _, report, details = _documents(settings, SHAPES["several files, police and victim"], METADATA)
    tags = [child.tag for child in etree.fromstring(report)]
    assert tags == [
        "incidentSummary",
        "internetDetails",
        "lawEnforcement",
        "reporter",
        "personOrUserReported",
        "victim",
        "additionalInfo",
    ]
    file_tags = [child.tag for child in etree.fromstring(details[0])]
    assert file_tags[:2] == ["reportId", "fileId"]
    assert file_tags.index("fileViewedByEsp") < file_tags.index("publiclyAvailable")
    assert file_tags.index("industryClassification") < file_tags.index("originalFileHash")


def test_a_document_out_of_order_is_invalid():
    good = etree.fromstring(build_report(minimal_report()))
    reporter = good.find("reporter")
    good.remove(reporter)
    good.insert(0, reporter)
    with pytest.raises(InvalidCyberTiplineXml) as caught:
        validate(etree.tostring(good))
    assert "reporter" in caught.value.detail


def test_invalid_xml_is_refused_before_anything_is_sent():
    with (
        sandbox() as server,
        CyberTiplineClient(
            base_url=server.url, username=SANDBOX_USER, password=SANDBOX_PASSWORD
        ) as ncmec,
    ):
        with pytest.raises(InvalidCyberTiplineXml):
            ncmec.submit(b"<report><reporter/></report>")
        with pytest.raises(InvalidCyberTiplineXml):
            ncmec.fileinfo(b"<fileDetails><fileId>x</fileId></fileDetails>")
        with pytest.raises(InvalidCyberTiplineXml):
            ncmec.submit(b"<report><incidentSummary>")
        assert server.state.calls == []
