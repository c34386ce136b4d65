"""The CyberTipline report as data: what Takedown tells NCMEC, before it becomes XML.

Field names follow the CyberTipline Reporting API documentation (appendices A-C); only the parts
Takedown can fill from a case are modelled. `takedown.ncmec.xml` turns these into documents in
the schema's element order.
"""

from __future__ import annotations

import enum
from datetime import datetime

from pydantic import BaseModel, Field


class IncidentType(enum.StrEnum):
    """The schema's `incidentType` enumeration."""

    CHILD_PORNOGRAPHY = "Child Pornography (possession, manufacture, and distribution)"
    CHILD_SEX_TRAFFICKING = "Child Sex Trafficking"
    CHILD_SEX_TOURISM = "Child Sex Tourism"
    CHILD_SEXUAL_MOLESTATION = "Child Sexual Molestation"
    MISLEADING_DOMAIN_NAME = "Misleading Domain Name"
    MISLEADING_WORDS_OR_IMAGES = "Misleading Words or Digital Images on the Internet"
    ONLINE_ENTICEMENT = "Online Enticement of Children for Sexual Acts"
    UNSOLICITED_OBSCENE_MATERIAL = "Unsolicited Obscene Material Sent to a Child"


class IndustryClassification(enum.StrEnum):
    """The ESP-designated categorisation scale (schema type `fileClassification`)."""

    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"


class CaptureEvent(enum.StrEnum):
    """The schema's `ipCaptureType` enumeration."""

    LOGIN = "Login"
    REGISTRATION = "Registration"
    PURCHASE = "Purchase"
    UPLOAD = "Upload"
    OTHER = "Other"
    UNKNOWN = "Unknown"


class Environment(enum.StrEnum):
    TEST = "test"
    PRODUCTION = "production"


class IpCaptureEvent(BaseModel):
    ip_address: str
    event_name: CaptureEvent | None = None
    date_time: datetime | None = None
    possible_proxy: bool | None = None
    port: int | None = Field(default=None, ge=1, le=65535)


class Person(BaseModel):
    first_name: str | None = None
    last_name: str | None = None
    phones: list[str] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    age: int | None = Field(default=None, ge=0, le=150)


class IncidentSummary(BaseModel):
    incident_type: IncidentType
    incident_date_time: datetime
    platform: str | None = None
    escalate_to_high_priority: str | None = None
    incident_date_time_description: str | None = None


class WebPageIncident(BaseModel):
    urls: list[str] = Field(default_factory=list)
    additional_info: str | None = None


class LawEnforcement(BaseModel):
    agency_name: str
    case_number: str | None = None
    officer: Person | None = None


class Reporter(BaseModel):
    reporting_person: Person
    contact_person: Person | None = None
    company_template: str | None = None
    legal_url: str | None = None


class ReportedUser(BaseModel):
    """The suspect account (`personOrUserReported`)."""

    esp_identifier: str | None = None
    esp_service: str | None = None
    screen_name: str | None = None
    display_names: list[str] = Field(default_factory=list)
    profile_urls: list[str] = Field(default_factory=list)
    ip_capture_events: list[IpCaptureEvent] = Field(default_factory=list)
    account_permanently_disabled: bool | None = None
    additional_info: str | None = None


class Victim(BaseModel):
    person: Person = Field(default_factory=Person)
    esp_identifier: str | None = None
    screen_name: str | None = None
    additional_info: str | None = None


class CyberTiplineReport(BaseModel):
    """The `<report>` document: everything but the files."""

    incident_summary: IncidentSummary
    internet_details: list[WebPageIncident] = Field(default_factory=list)
    law_enforcement: LawEnforcement | None = None
    reporter: Reporter
    reported_user: ReportedUser | None = None
    victims: list[Victim] = Field(default_factory=list)
    additional_info: str | None = None


class FileHash(BaseModel):
    hash_type: str
    value: str


class FileDetails(BaseModel):
    """The `<fileDetails>` document for one uploaded file, less the ids NCMEC assigns."""

    original_file_name: str | None = None
    uploaded_to_esp_timestamp: datetime | None = None
    location_of_file: str | None = None
    file_viewed_by_esp: bool | None = None
    publicly_available: bool | None = None
    industry_classification: IndustryClassification | None = None
    original_file_hashes: list[FileHash] = Field(default_factory=list)
    ip_capture_event: IpCaptureEvent | None = None
    # Perceptual hashes (PDQ, vPDQ) go here as HASH name/value pairs.
    hash_details: dict[str, str] = Field(default_factory=dict)
    additional_info: list[str] = Field(default_factory=list)
