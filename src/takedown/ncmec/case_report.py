"""Fill a CyberTipline report from a case: its reports, media, decision and the platform's facts.

Only facts Takedown holds are sent; anything unknown is left out rather than guessed (the API
makes everything but the incident type and date/time voluntary).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.cases.models import Case, CaseMedia, Category
from takedown.errors import Conflict, NotFound
from takedown.evidence.models import EvidenceFile, EvidencePackage, FileKind
from takedown.evidence.service import decrypt_file, record_access
from takedown.ncmec.documented_rules import MAX_CHARS, fits, is_valid_url
from takedown.ncmec.metadata import PlatformIpEvent, PlatformMetadata
from takedown.ncmec.schemas import (
    CaptureEvent,
    CyberTiplineReport,
    FileDetails,
    FileHash,
    IncidentSummary,
    IncidentType,
    IndustryClassification,
    IpCaptureEvent,
    LawEnforcement,
    Person,
    ReportedUser,
    Reporter,
    Victim,
    WebPageIncident,
)
from takedown.reports.models import Report, ReporterRole
from takedown.review.models import Decision
from takedown.scan.models import ContentItem
from takedown.settings import Settings

INCIDENT_TYPES = {
    Category.CHILD_SEXUAL_ABUSE: IncidentType.CHILD_PORNOGRAPHY,
    # grooming, sextortion, enticement
    Category.CHILD_SEXUAL_EXPLOITATION: IncidentType.ONLINE_ENTICEMENT,
}
# Stored as originalFileHash; other signals (PDQ, video MD5) go in <details type="HASH">.
FILE_HASH_SIGNALS = {"md5", "sha256"}
MAX_DETAIL_VALUE = 1024


class NotReportable(Conflict):
    code, title = "ncmec_not_reportable", "Not a CyberTipline incident"


@dataclass
class FileToSend:
    case_media_id: int
    filename: str
    path: Path | None  # streamed to NCMEC at upload time, never read whole into memory
    md5: str
    details: FileDetails
    data: bytes | None = None  # the evidence vault's copy, when the working copy is gone


@dataclass
class ReportPackage:
    report: CyberTiplineReport
    files: list[FileToSend]
    notes: list[str] = field(default_factory=list)


def file_md5(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def incident_type_for(case: Case) -> IncidentType:
    """The CyberTipline incident type, or NotReportable for cases NCMEC does not take."""
    if case.category in INCIDENT_TYPES:
        return INCIDENT_TYPES[Category(case.category)]
    # Intimate imagery of a minor is apparent child sexual abuse material (18 U.S.C. 2256(8)).
    if case.category == Category.NON_CONSENSUAL_INTIMATE_IMAGERY and case.is_child_safety:
        return IncidentType.CHILD_PORNOGRAPHY
    raise NotReportable(
        f"case category {case.category!r} is not a child sexual exploitation incident"
    )


def is_reportable(case: Case) -> bool:
    try:
        incident_type_for(case)
    except NotReportable:
        return False
    return True


def violating_decision(*, db_session: Session, case_id: str) -> Decision | None:
    """The latest final `violating` decision on the case."""
    return db_session.scalar(
        select(Decision)
        .where(Decision.case_id == case_id, Decision.outcome == "violating", Decision.final)
        .order_by(Decision.decided_at.desc())
        .limit(1)
    )


def _split_name(name: str | None) -> tuple[str | None, str | None]:
    if not name or not name.strip():
        return None, None
    parts = name.strip().rsplit(" ", 1)
    return (parts[0], parts[1]) if len(parts) == 2 else (parts[0], None)


def _name_fits(first: str | None, last: str | None) -> bool:
    return fits(first, MAX_CHARS["firstName"]) and fits(last, MAX_CHARS["lastName"])


def _over_limit(value: str | None, rule: str) -> str | None:
    """`value` when it is longer than the API allows for `rule`: sent in additionalInfo instead
    (cut short, a name or an address would be a different fact)."""
    return None if fits(value, MAX_CHARS[rule]) else value


def _within_limit(value: str | None, rule: str) -> str | None:
    return value if fits(value, MAX_CHARS[rule]) else None


def _in_the_past(value: datetime | None) -> datetime | None:
    """A time the API can take (in the past, with a zone): a platform clock running ahead, or a
    time without a zone, must not make NCMEC refuse the report; such a time is left out."""
    if value is None or value.tzinfo is None or value > clock.now():
        return None
    return value


def _reporter(settings: Settings) -> Reporter:
    first, last = _split_name(settings.esp_contact_name)
    if not _name_fits(first, last):
        first = last = None
    person = Person(
        first_name=first,
        last_name=last,
        emails=[settings.esp_contact_email],
        phones=[settings.esp_contact_phone] if settings.esp_contact_phone else [],
    )
    return Reporter(reporting_person=person)


def _law_enforcement(reports: list[Report]) -> LawEnforcement | None:
    for report in reports:
        if report.law_enforcement_case_number or report.law_enforcement_agency:
            return LawEnforcement(
                agency_name=report.law_enforcement_agency or "Agency not given by the reporter",
                case_number=report.law_enforcement_case_number,
            )
    return None


def _victims(reports: list[Report]) -> list[Victim]:
    victims: list[Victim] = []
    seen: set[str] = set()
    for report in reports:
        if report.reporter_role != ReporterRole.VICTIM:
            continue
        key = (report.reporter_email or report.reporter_name or report.id).lower()
        if key in seen:
            continue
        seen.add(key)
        first, last = _split_name(report.reporter_name)
        info = (
            f"Reported to the platform by the depicted person (report {report.id}); "
            f"depicted as a minor: {report.subject_is_minor}."
        )
        if not _name_fits(first, last):
            first = last = None
            info += f" Name as given (longer than the API's name fields): {report.reporter_name}"
        victims.append(
            Victim(
                person=Person(
                    first_name=first,
                    last_name=last,
                    emails=[report.reporter_email] if report.reporter_email else [],
                ),
                additional_info=info,
            )
        )
    return victims


def _ip_event(event: PlatformIpEvent) -> IpCaptureEvent:
    return IpCaptureEvent(
        ip_address=event.ip_address,
        event_name=event.event,
        date_time=_in_the_past(event.at),
        port=event.port,
        possible_proxy=event.possible_proxy,
    )


def _reported_user(
    settings: Settings, case: Case, metadata: PlatformMetadata | None
) -> ReportedUser | None:
    account_id = (metadata and metadata.account_id) or case.account_id
    if not account_id and metadata is None:
        return None
    screen_name = metadata.screen_name if metadata else None
    display_name = metadata.display_name if metadata else None
    profile_url = metadata.profile_url if metadata else None
    if profile_url and not is_valid_url(profile_url):
        profile_url = None
    too_long = [
        f"{label}: {value}"
        for label, value in (
            ("account id", _over_limit(account_id, "espIdentifier")),
            ("screen name", _over_limit(screen_name, "screenName")),
            ("display name", _over_limit(display_name, "displayName")),
            ("profile URL", _over_limit(profile_url, "profileUrl")),
        )
        if value
    ]
    display_name = _within_limit(display_name, "displayName")
    profile_url = _within_limit(profile_url, "profileUrl")
    return ReportedUser(
        esp_identifier=_within_limit(account_id, "espIdentifier"),
        esp_service=_within_limit(settings.esp_name, "espService"),
        screen_name=_within_limit(screen_name, "screenName"),
        display_names=[display_name] if display_name else [],
        profile_urls=[profile_url] if profile_url else [],
        ip_capture_events=[_ip_event(e) for e in metadata.ip_events] if metadata else [],
        additional_info=(
            "Longer than the API's fields, as the platform gave them: " + "; ".join(too_long)
            if too_long
            else None
        ),
    )


def _upload_time(
    db_session: Session, case: Case, metadata: PlatformMetadata | None
) -> tuple[datetime | None, str | None]:
    if metadata and _in_the_past(metadata.uploaded_at):
        return metadata.uploaded_at, "the platform's upload time"
    if case.content_id:
        scanned = db_session.scalar(
            select(ContentItem.scanned_at)
            .where(ContentItem.content_id == case.content_id)
            .order_by(ContentItem.scanned_at)
            .limit(1)
        )
        if scanned is not None:
            return scanned, "when the platform scanned the upload with Takedown"
    return None, None


def _file_details(
    *,
    media: CaseMedia,
    md5: str,
    case: Case,
    decision: Decision | None,
    metadata: PlatformMetadata | None,
    uploaded_at: datetime | None,
) -> FileDetails:
    hashes = [FileHash(hash_type="MD5", value=md5)]
    if media.sha256:
        hashes.append(FileHash(hash_type="SHA256", value=media.sha256))
    details = {
        str(s["type"])[:64]: str(s["value"])
        for s in media.signals or []
        if s.get("type") not in FILE_HASH_SIGNALS
        and isinstance(s.get("value"), str)
        and len(s["value"]) <= MAX_DETAIL_VALUE
    }
    upload_event = None
    if metadata:
        upload_event = next(
            (_ip_event(e) for e in metadata.ip_events if e.event is CaptureEvent.UPLOAD), None
        )
    classification = None
    if decision is not None and decision.classification:
        classification = IndustryClassification(decision.classification)
    additional_info = [f"Takedown case media {media.id} ({media.media_type}, {media.source})"]
    location = case.content_url
    if _over_limit(location, "fileDetails/locationOfFile"):
        additional_info.append(f"Located at (longer than the API's locationOfFile): {location}")
        location = None
    return FileDetails(
        original_file_name=_within_limit(media.filename, "fileDetails/originalFileName"),
        uploaded_to_esp_timestamp=uploaded_at,
        location_of_file=location,
        # A reviewer (a person) decided the case after viewing the media in the console.
        file_viewed_by_esp=decision is not None,
        publicly_available=metadata.publicly_available if metadata else None,
        industry_classification=classification,
        original_file_hashes=hashes,
        ip_capture_event=upload_event,
        hash_details=details,
        additional_info=additional_info,
    )


def _vault_copy(
    db_session: Session, settings: Settings, case: Case, media: CaseMedia
) -> bytes | None:
    """The evidence vault's copy of a case file whose working copy is gone (the access audited),
    or None when the vault holds none."""
    found = db_session.execute(
        select(EvidenceFile, EvidencePackage)
        .join(EvidencePackage, EvidenceFile.package_id == EvidencePackage.id)
        .where(
            EvidencePackage.case_id == case.id,
            EvidencePackage.purged_at.is_(None),
            EvidenceFile.kind == FileKind.MEDIA.value,
            EvidenceFile.sha256 == media.sha256,
        )
        .limit(1)
    ).first()
    if found is None:
        return None
    evidence_file, package = found
    data = decrypt_file(settings, evidence_file)
    record_access(
        db_session=db_session,
        actor="system:ncmec",
        package=package,
        what=f"file {evidence_file.id} for the CyberTipline report (its working copy is gone)",
    )
    return data


def package_for_case(
    *,
    db_session: Session,
    settings: Settings,
    case: Case,
    decision: Decision | None,
    metadata: PlatformMetadata | None,
) -> ReportPackage:
    """The report and its files, read from the case's rows and stored media."""
    reports = list(
        db_session.scalars(
            select(Report).where(Report.case_id == case.id).order_by(Report.received_at)
        )
    )
    uploaded_at, upload_source = _upload_time(db_session, case, metadata)
    first_seen = reports[0].received_at if reports else case.created_at
    incident_at = uploaded_at or first_seen
    description = (
        f"Time of the upload ({upload_source})."
        if uploaded_at
        else "Upload time unknown: time the platform first received a report about it."
    )
    urls = [u for u in dict.fromkeys([case.content_url, *(r.content_url for r in reports)]) if u]
    long_urls = [u for u in urls if _over_limit(u, "webPageIncident/url")]
    urls = [u for u in urls if u not in long_urls]
    web_page = WebPageIncident(
        urls=urls,
        additional_info=(
            "Addresses longer than the API's 2,083-character URL field: " + " ; ".join(long_urls)
            if long_urls
            else None
        ),
    )
    report = CyberTiplineReport(
        incident_summary=IncidentSummary(
            incident_type=incident_type_for(case),
            incident_date_time=incident_at,
            platform=_within_limit(settings.esp_name, "incidentSummary/platform"),
            incident_date_time_description=description,
            # The reviewer found a child at immediate risk: NCMEC prioritises the report.
            escalate_to_high_priority=decision.immediate_risk if decision else None,
        ),
        internet_details=[web_page] if urls or long_urls else [],
        law_enforcement=_law_enforcement(reports),
        reporter=_reporter(settings),
        reported_user=_reported_user(settings, case, metadata),
        victims=_victims(reports),
        additional_info=(
            f"Takedown case {case.id}"
            + (f"; decision {decision.id} under policy {decision.policy!r}" if decision else "")
            + f"; {len(reports)} report(s) received."
        ),
    )
    files: list[FileToSend] = []
    media_rows = db_session.scalars(
        select(CaseMedia).where(CaseMedia.case_id == case.id).order_by(CaseMedia.id)
    )
    for media in media_rows:
        working_copy = Path(settings.media_dir) / media.storage_path
        path: Path | None = working_copy
        data = None
        try:
            md5 = file_md5(working_copy)
        except FileNotFoundError as exc:
            # The working copy is gone (deleted by hand, a lost disk): the vault's will do.
            data = _vault_copy(db_session, settings, case, media)
            if data is None:
                raise NotFound(
                    f"case media {media.id} is no longer stored ({media.storage_path}) and the "
                    "evidence vault holds no copy of it; the report cannot include it",
                    code="ncmec_media_missing",
                ) from exc
            path, md5 = None, hashlib.md5(data).hexdigest()
        files.append(
            FileToSend(
                case_media_id=media.id,
                filename=media.filename or f"{media.sha256[:16]}",
                path=path,
                data=data,
                md5=md5,
                details=_file_details(
                    media=media,
                    md5=md5,
                    case=case,
                    decision=decision,
                    metadata=metadata,
                    uploaded_at=uploaded_at,
                ),
            )
        )
    return ReportPackage(report=report, files=files)
