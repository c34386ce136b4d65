"""CyberTipline XML: build `<report>` and `<fileDetails>` in the schema's element order, validate
every document against the XSD before it leaves, and read the server's responses.

The order of the `_append` calls in each builder IS the order of the schema's `xs:sequence`;
tests check it against the XSD itself.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources

from lxml import etree

from takedown.errors import TakedownError
from takedown.ncmec.schemas import (
    CyberTiplineReport,
    FileDetails,
    IpCaptureEvent,
    LawEnforcement,
    Person,
    ReportedUser,
    Reporter,
    Victim,
    WebPageIncident,
)

XSD_NAME = "cybertipline-report.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = "https://report.cybertip.org/ispws/xsd"
# An lxml validator keeps its error log on the object: one validation at a time per process.
_validate_lock = threading.Lock()
# Characters XML 1.0 cannot carry at all (section 2.2: C0 controls but tab and line breaks,
# lone surrogates, U+FFFE/U+FFFF). A control character pasted into a name or an agency must not
# stop a statutory report: it is dropped, the rest of the text is sent as written.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class InvalidCyberTiplineXml(TakedownError):
    """A document failed XSD validation; it is never sent."""

    status, code, title = 422, "ncmec_invalid_xml", "CyberTipline XML is not valid"


def xsd_text() -> bytes:
    return resources.files("takedown.ncmec").joinpath("schema", XSD_NAME).read_bytes()


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.fromstring(xsd_text()))


def validate(document: bytes) -> None:
    """Raise InvalidCyberTiplineXml (with every schema error) unless `document` is valid."""
    try:
        root = etree.fromstring(document)
    except etree.XMLSyntaxError as exc:
        raise InvalidCyberTiplineXml(f"not well-formed XML: {exc}") from exc
    xsd = schema()
    with _validate_lock:
        valid = xsd.validate(root)
        errors = [f"line {e.line}: {e.message}" for e in xsd.error_log]  # type: ignore[attr-defined]
    if not valid:
        raise InvalidCyberTiplineXml("; ".join(errors), errors=errors)


def timestamp(value: datetime) -> str:
    """ISO 8601 with an explicit zone, as the API requires (section 7.3)."""
    if value.tzinfo is None:
        raise ValueError("CyberTipline timestamps need a time zone")
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return timestamp(value)
    return _NOT_IN_XML.sub("", str(value))


def _append(parent: etree._Element, tag: str, value: object | None = None) -> etree._Element | None:
    """Append <tag>value</tag>; nothing when the value is None or empty (once made XML-safe)."""
    text = None if value is None else _text(value)
    if not text:
        return None
    child = etree.SubElement(parent, tag)
    child.text = text
    return child


def _root(tag: str) -> etree._Element:
    root = etree.Element(tag, nsmap={"xsi": XSI})
    root.set(f"{{{XSI}}}noNamespaceSchemaLocation", SCHEMA_LOCATION)
    return root


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _person(parent: etree._Element, tag: str, person: Person, *, contact: bool = False) -> None:
    # xs:complexType person / contactPerson: firstName, lastName, phone*, email*, address*, age
    node = etree.SubElement(parent, tag)
    _append(node, "firstName", person.first_name)
    _append(node, "lastName", person.last_name)
    for phone in person.phones:
        _append(node, "phone", phone)
    for email in person.emails:
        _append(node, "email", email)
    if not contact:
        _append(node, "age", person.age)


def _ip_event(parent: etree._Element, tag: str, event: IpCaptureEvent) -> None:
    node = etree.SubElement(parent, tag)
    _append(node, "ipAddress", event.ip_address)
    _append(node, "eventName", event.event_name and event.event_name.value)
    _append(node, "dateTime", event.date_time)
    _append(node, "possibleProxy", event.possible_proxy)
    _append(node, "port", event.port)


def _web_page(parent: etree._Element, incident: WebPageIncident) -> None:
    node = etree.SubElement(etree.SubElement(parent, "internetDetails"), "webPageIncident")
    for url in incident.urls:
        _append(node, "url", url)
    _append(node, "additionalInfo", incident.additional_info)


def _law_enforcement(parent: etree._Element, le: LawEnforcement) -> None:
    node = etree.SubElement(parent, "lawEnforcement")
    _append(node, "agencyName", le.agency_name)
    _append(node, "caseNumber", le.case_number)
    if le.officer is not None:
        _person(node, "officerContact", le.officer, contact=True)


def _reporter(parent: etree._Element, reporter: Reporter) -> None:
    node = etree.SubElement(parent, "reporter")
    _person(node, "reportingPerson", reporter.reporting_person)
    if reporter.contact_person is not None:
        _person(node, "contactPerson", reporter.contact_person, contact=True)
    _append(node, "companyTemplate", reporter.company_template)
    _append(node, "legalURL", reporter.legal_url)


def _reported_user(parent: etree._Element, user: ReportedUser) -> None:
    node = etree.SubElement(parent, "personOrUserReported")
    _append(node, "espIdentifier", user.esp_identifier)
    _append(node, "espService", user.esp_service)
    _append(node, "screenName", user.screen_name)
    for name in user.display_names:
        _append(node, "displayName", name)
    for url in user.profile_urls:
        _append(node, "profileUrl", url)
    for event in user.ip_capture_events:
        _ip_event(node, "ipCaptureEvent", event)
    _append(node, "accountPermanentlyDisabled", user.account_permanently_disabled)
    _append(node, "additionalInfo", user.additional_info)


def _victim(parent: etree._Element, victim: Victim) -> None:
    node = etree.SubElement(parent, "victim")
    _person(node, "victimPerson", victim.person)
    _append(node, "espIdentifier", victim.esp_identifier)
    _append(node, "screenName", victim.screen_name)
    _append(node, "additionalInfo", victim.additional_info)


def build_report(report: CyberTiplineReport) -> bytes:
    """The `<report>` document, validated against the XSD."""
    root = _root("report")
    summary = etree.SubElement(root, "incidentSummary")
    _append(summary, "incidentType", report.incident_summary.incident_type.value)
    _append(summary, "platform", report.incident_summary.platform)
    _append(summary, "escalateToHighPriority", report.incident_summary.escalate_to_high_priority)
    _append(summary, "incidentDateTime", report.incident_summary.incident_date_time)
    _append(
        summary,
        "incidentDateTimeDescription",
        report.incident_summary.incident_date_time_description,
    )
    for incident in report.internet_details:
        _web_page(root, incident)
    if report.law_enforcement is not None:
        _law_enforcement(root, report.law_enforcement)
    _reporter(root, report.reporter)
    if report.reported_user is not None:
        _reported_user(root, report.reported_user)
    for victim in report.victims:
        _victim(root, victim)
    _append(root, "additionalInfo", report.additional_info)
    document = _serialise(root)
    validate(document)
    return document


def build_file_details(details: FileDetails, *, report_id: str, file_id: str) -> bytes:
    """The `<fileDetails>` document for one uploaded file, validated against the XSD."""
    root = _root("fileDetails")
    _append(root, "reportId", report_id)
    _append(root, "fileId", file_id)
    _append(root, "originalFileName", details.original_file_name)
    _append(root, "uploadedToEspTimestamp", details.uploaded_to_esp_timestamp)
    _append(root, "locationOfFile", details.location_of_file)
    _append(root, "fileViewedByEsp", details.file_viewed_by_esp)
    _append(root, "publiclyAvailable", details.publicly_available)
    if details.industry_classification is not None:
        # Only "Reported" files may carry an industry classification.
        _append(root, "fileRelevance", "Reported")
        _append(root, "industryClassification", details.industry_classification.value)
    for file_hash in details.original_file_hashes:
        node = _append(root, "originalFileHash", file_hash.value)
        assert node is not None
        node.set("hashType", file_hash.hash_type)
    if details.ip_capture_event is not None:
        _ip_event(root, "ipCaptureEvent", details.ip_capture_event)
    if details.hash_details:
        block = etree.SubElement(root, "details")
        block.set("type", "HASH")
        for name, value in details.hash_details.items():
            pair = etree.SubElement(block, "nameValuePair")
            _append(pair, "name", name)
            _append(pair, "value", value)
    for info in details.additional_info:
        _append(root, "additionalInfo", info)
    document = _serialise(root)
    validate(document)
    return document


# --- responses -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportResponse:
    response_code: int
    description: str
    report_id: str | None = None
    file_id: str | None = None
    hash: str | None = None


@dataclass(frozen=True)
class ReportDoneResponse:
    response_code: int
    report_id: str
    file_ids: list[str]


def _child_text(root: etree._Element, tag: str) -> str | None:
    node = root.find(tag)
    return None if node is None or node.text is None else node.text.strip()


def parse_response(body: bytes) -> ReportResponse | ReportDoneResponse:
    """Read a `<reportResponse>` or `<reportDoneResponse>`; ValueError if it is neither."""
    try:
        root = etree.fromstring(body)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"response is not XML: {body[:200]!r}") from exc
    code = _child_text(root, "responseCode")
    if code is None:
        raise ValueError(f"response has no responseCode: {body[:200]!r}")
    if root.tag == "reportDoneResponse":
        files = [n.text.strip() for n in root.iterfind("files/fileId") if n.text]
        return ReportDoneResponse(int(code), _child_text(root, "reportId") or "", files)
    if root.tag == "reportResponse":
        return ReportResponse(
            int(code),
            _child_text(root, "responseDescription") or "",
            _child_text(root, "reportId"),
            _child_text(root, "fileId"),
            _child_text(root, "hash"),
        )
    raise ValueError(f"unexpected response element <{root.tag}>")


def build_response(
    code: int,
    description: str,
    *,
    report_id: str | None = None,
    file_id: str | None = None,
    file_hash: str | None = None,
) -> bytes:
    """A `<reportResponse>` (the sandbox answers with these)."""
    root = etree.Element("reportResponse")
    _append(root, "responseCode", code)
    etree.SubElement(root, "responseDescription").text = description
    _append(root, "reportId", report_id)
    _append(root, "fileId", file_id)
    _append(root, "hash", file_hash)
    return _serialise_standalone(root)


def build_done_response(code: int, report_id: str, file_ids: list[str]) -> bytes:
    root = etree.Element("reportDoneResponse")
    _append(root, "responseCode", code)
    _append(root, "reportId", report_id)
    files = etree.SubElement(root, "files")
    for file_id in file_ids:
        _append(files, "fileId", file_id)
    return _serialise_standalone(root)


def _serialise_standalone(root: etree._Element) -> bytes:
    return etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", standalone=True, pretty_print=True
    )
