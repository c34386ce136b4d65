"""Intake: validate, rate-limit, hash any media, find or open the case, store, acknowledge.

Everything happens in the caller's transaction; the route commits before it answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.orm import Session

from takedown import addresses, clock
from takedown.audit.service import record
from takedown.cases import media as case_media
from takedown.cases.models import OPEN_STATUSES, Case, CaseStatus, Category, MediaSource
from takedown.cases.service import (
    PriorityFacts,
    apply_priority,
    deadline_window,
    earlier_reports_about,
    escalation_time,
    history_raises_priority,
    is_child_safety,
    is_repeatedly_reported,
    more_severe_category,
    never_shown,
    open_case_locked,
    priority_for,
    start_watched_case,
    uploader_has_violations,
)
from takedown.content_urls import is_web_address, normalise_url, url_key
from takedown.errors import InvalidInput, MediaTooLarge
from takedown.i18n import supported_language
from takedown.ids import new_id, new_secret_token
from takedown.media import max_upload_bytes
from takedown.notify.service import queue_acknowledgment, tracking_url
from takedown.reports import fingerprints, service
from takedown.reports.models import (
    OWN_INITIATIVE,
    Channel,
    IdempotentReport,
    Report,
    ReporterRole,
)
from takedown.reports.schemas import ReportIn, rule_errors
from takedown.settings import Settings
from takedown.store.db import lock_on_sqlite

INTAKE_LOCK_KEY = 0x7461_6B65_646F_776E  # "takedown": one advisory lock for case intake
# Reports from anyone, with no key: what their reporter is shown must not depend on a match.
PUBLIC_CHANNELS = frozenset({Channel.API, Channel.WEB_FORM})
SCANS_COMPARED = 5  # a post re-scanned (edited, re-published) keeps its latest media first


@dataclass
class Submission:
    report: ReportIn
    channel: Channel
    file_bytes: bytes | None = None
    filename: str | None = None
    api_key_id: str | None = None
    trusted_flagger: bool = False  # the key holds the `trusted_flagger` scope
    bank_match: bool = False  # the content is known to match a hash bank (blocked at upload)
    # Entries of reported-fingerprint banks the content matched: it joins the reporter's case.
    fingerprint_entries: tuple[int, ...] = ()
    acknowledge: bool = True  # False: the caller sends one acknowledgment for several reports
    client_address: str | None = None
    idempotency_key: str | None = None
    # Join this open case, whatever the report locates (a reviewer's referral of the case).
    into_case: str | None = None


@dataclass
class Answer:
    body: dict[str, Any]
    replayed: bool = False


def report_scanned_upload(
    *,
    db_session: Session,
    settings: Settings,
    index: Any,
    item: Any,
    category: Category,
    channel: Channel,
    explanation: str,
    idempotency_key: str,
    bank_match: bool = True,
    fingerprint_entries: tuple[int, ...] = (),
) -> Answer:
    """Takedown's own report about an upload in the scan ledger (`scan.models.ContentItem`), with
    no notice behind it: one a bank blocked, or one found to match a hash banked after it. The
    content id, uploader and address come from the ledger; the explanation says what matched.
    `bank_match`: it matched a bank of known material (not only a reporter's fingerprint, which
    nobody has verified)."""
    return submit_report(
        db_session=db_session,
        settings=settings,
        index=index,
        submission=Submission(
            report=ReportIn(
                category=category,
                content_id=item.content_id,
                content_url=item.content_url if is_web_address(item.content_url) else None,
                account_id=item.account_id,
                explanation=explanation[:20_000],
            ),
            channel=channel,
            bank_match=bank_match,
            fingerprint_entries=fingerprint_entries,
            idempotency_key=idempotency_key,
        ),
    )


def submit_report(
    *, db_session: Session, settings: Settings, index: Any, submission: Submission
) -> Answer:
    """Store a report and answer with its references; a retry with the same key gets the
    same answer."""
    data = submission.report
    has_file = bool(submission.file_bytes)
    errors = rule_errors(
        data,
        has_file=has_file or submission.into_case is not None,  # the case has the content
        notice=submission.channel not in OWN_INITIATIVE,
    )
    if errors:
        raise InvalidInput("the report is missing required information", errors=errors)
    if has_file and len(submission.file_bytes or b"") > max_upload_bytes(settings):
        raise MediaTooLarge("the attached file is too large", code="file_too_large")

    payload = _idempotent_payload(data)
    file_sha = case_media.sha256_of(submission.file_bytes) if has_file else None
    hashed = None
    if has_file:  # before taking the intake lock: hashing a video takes a while
        hashed = case_media.hash_media(
            settings=settings,
            index=index,
            data=submission.file_bytes or b"",
            filename=submission.filename,
        )
    serialise_intake(db_session)
    key_hash = None
    if submission.idempotency_key:
        caller = f"key:{submission.api_key_id}" if submission.api_key_id else "public"
        key_hash = service.idempotency_key_hash(caller, submission.idempotency_key)
        previous = service.previous_answer(db_session=db_session, key_hash=key_hash)
        if previous is not None:
            # Takedown's own key names the upload and the entries that matched: the same key is
            # the same finding, though its wording (a bank renamed, a case closed) has changed.
            own_finding = submission.channel in OWN_INITIATIVE
            if not own_finding and previous.request_hash != service.request_hash(payload, file_sha):
                raise InvalidInput(
                    "this Idempotency-Key was used for a different report",
                    code="idempotency_key_reused",
                )
            return Answer(previous.response, replayed=True)

    email = str(data.reporter.email).lower() if data.reporter.email else None
    address_hash = addresses.address_hash(settings, submission.client_address)
    limited = service.rate_limit_reached(
        db_session=db_session,
        settings=settings,
        # Platforms forward many users' reports from one address; their key is the limit.
        address_hash=None if submission.channel == Channel.PLATFORM else address_hash,
        email=email,
    )
    # A report of a child being abused is never turned away: a school, a shelter or a phone
    # network shares one address, and a missed report costs more than reviewing a flood (whose
    # copies of one post join one case). Past the limit it is kept, but no email is sent, so
    # nobody floods an inbox through it, and it is ranked as a flagged reporter's is (after the
    # others of its priority, not counted as a repeat), so a flood cannot bury other reports.
    over_rate_limit = limited is not None
    if limited is not None and not is_child_safety(data.category, data.subject_is_minor):
        raise limited

    now = clock.now()
    flagged = over_rate_limit or service.is_flagged(db_session=db_session, email=email)
    # A victim or parent has the post's address, not the platform's content id: the upload
    # scanned at that address supplies it (and with it the uploader, the signals and the copies).
    content_id = data.content_id or content_scanned_at(db_session, data.content_url)
    # Who uploaded it is the platform's record when it has one, not what a report says: a
    # report naming another account would have that account struck for a post it did not make,
    # and leave the poster's record clean. A name that differs is kept in the audit log.
    account_id = _uploader_from_ledger(db_session, content_id) or data.account_id
    case_hidden = _hides_case(db_session, settings, submission, content_id, hashed)
    # A report whose reporter follows its case finds it by where the content is, never by the
    # media it sent: that would tell them of a case about a picture found elsewhere.
    finds_by_media = case_hidden or submission.channel not in PUBLIC_CHANNELS
    case = (
        db_session.get(Case, submission.into_case)
        if submission.into_case
        else _find_case(
            db_session,
            settings,
            index,
            data,
            content_id,
            hashed if finds_by_media else None,
            submission.fingerprint_entries,
            by_fingerprints=finds_by_media,
        )
    )
    facts = PriorityFacts(
        category=data.category,
        subject_is_minor=data.subject_is_minor,
        reporter_role=data.reporter.role,
        trusted_flagger=submission.trusted_flagger,
        police_case_number=bool(data.law_enforcement and data.law_enforcement.case_number),
        bank_match=bool(hashed and hashed.bank_match)
        or bool(case and case.bank_match)
        or submission.bank_match,
        uploader_has_violations=history_raises_priority(submission.channel)
        and uploader_has_violations(
            db_session=db_session,
            account_id=account_id,
            exclude_case_id=case.id if case else None,
            exclude_content_id=content_id,
        ),
        repeatedly_reported=is_repeatedly_reported(
            settings, _reports_about(db_session, data, content_id, case) + (not flagged)
        ),
        never_shown=never_shown(submission.channel),
    )
    priority = priority_for(facts)
    # Rule checks passed, so an NCII report here is a valid TAKE IT DOWN Act request, once it
    # says where the image is: fingerprints alone locate nothing until an upload matches them.
    legal_ncii = data.category == Category.NON_CONSENSUAL_INTIMATE_IMAGERY and bool(
        data.content_url or data.content_id
    )
    merged = case is not None
    # Something to review: where the content is, or the content itself. Fingerprints alone say
    # what to look for, so their case watches until an upload matches.
    locates = bool(content_id or data.content_url or has_file)
    if case is None:
        case = _open_case(
            settings,
            data,
            content_id,
            priority,
            legal_ncii,
            flagged,
            account_id,
            has_file,
            now,
            watching=not locates,
            location_unverified=case_hidden and bool(content_id or data.content_url),
        )
        db_session.add(case)
    else:
        before = case.priority
        _join_case(case, data, flagged, now)
        # A hidden report's address and uploader stay on the report: on the case, a report
        # naming that address would find the case this one's picture matched, and be told it.
        if not case_hidden:
            _locate_joined_case(settings, case, data, content_id, account_id, has_file, now)
        if case.status == CaseStatus.WATCHING and locates:
            start_watched_case(
                db_session=db_session,
                settings=settings,
                case=case,
                found_by=f"{submission.channel.value} report",
            )
        apply_priority(
            settings=settings, case=case, priority=priority, start=now, legal_ncii=legal_ncii
        )
        if case.priority != before:
            record(
                db_session=db_session,
                actor="system",
                action="case.priority_raised",
                subject=case.id,
                details={"from": before, "to": case.priority},
            )
    case.bank_match = case.bank_match or submission.bank_match
    db_session.flush()

    report = Report(
        id=new_id("rep"),
        case_id=case.id,
        category=data.category.value,
        content_id=data.content_id,
        content_url=data.content_url,
        account_id=account_id,
        reporter_role=_reporter_role(data, submission),
        reporter_name=data.reporter.name,
        reporter_email=email,
        subject_is_minor=data.subject_is_minor.value,
        law_enforcement_agency=data.law_enforcement.agency if data.law_enforcement else None,
        law_enforcement_case_number=(
            data.law_enforcement.case_number if data.law_enforcement else None
        ),
        explanation=data.explanation,
        good_faith_statement=data.good_faith_statement,
        signature=data.signature,
        language=supported_language(data.language, settings),
        valid_take_it_down_request=legal_ncii,
        tracking_token=new_secret_token(32),  # 256 random bits
        channel=submission.channel.value,
        api_key_id=submission.api_key_id,
        client_address_hash=address_hash,
        ranked_lower=flagged,
        trusted_flagger=submission.trusted_flagger,
        has_media=has_file,
        case_hidden=case_hidden,
        received_at=now,
    )
    db_session.add(report)
    db_session.flush()
    fingerprints.bank_fingerprints(
        db_session, settings, report=report, category=data.category, fingerprints=data.fingerprints
    )
    if hashed is not None:
        case_media.attach_media(
            db_session=db_session,
            settings=settings,
            case=case,
            data=submission.file_bytes or b"",
            hashed=hashed,
            filename=submission.filename,
            source=MediaSource.UPLOAD,
            report_id=report.id,
        )
    record(
        db_session=db_session,
        actor=f"key:{submission.api_key_id}" if submission.api_key_id else "public",
        action="report.received",
        subject=case.id,
        details={
            "report_id": report.id,
            "category": report.category,
            "channel": report.channel,
            "merged_into_existing_case": merged,
            "priority": case.priority,
            "deadline_at": case.deadline_at.isoformat(),
            "ranked_lower": flagged,
            "trusted_flagger": submission.trusted_flagger,
            "bank_match": bool(hashed and hashed.bank_match),
            "content_id_from_ledger": content_id if content_id != data.content_id else None,
            "account_named_not_the_uploader": (
                data.account_id if data.account_id not in (None, account_id) else None
            ),
            "fingerprints": len(data.fingerprints),
            "over_rate_limit": over_rate_limit,
        },
    )
    if submission.acknowledge and not over_rate_limit:
        queue_acknowledgment(db_session=db_session, settings=settings, filed=[report])
    # A report whose case is hidden may have joined a case its media matched: its reporter is
    # told neither that case (its reference is time-ordered) nor a deadline only a match starts.
    sealed = report.case_hidden
    body: dict[str, Any] = {
        "report_id": report.id,
        "case_id": None if sealed else case.id,
        "tracking_token": report.tracking_token,
        "status_url": tracking_url(settings, report.tracking_token),
        "received_at": now.isoformat(),
        "deadline": (
            case.running_deadline.isoformat() if case.running_deadline and not sealed else None
        ),
    }
    if over_rate_limit:
        body["acknowledgment_withheld"] = True
    if key_hash is not None:
        db_session.add(
            IdempotentReport(
                key_hash=key_hash,
                request_hash=service.request_hash(payload, file_sha),
                report_id=report.id,
                response=body,
                created_at=now,
            )
        )
    db_session.flush()
    return Answer(body)


def _idempotent_payload(data: ReportIn) -> dict[str, Any]:
    """The report as its Idempotency-Key remembers it. Fields added in later versions are left
    out at their default, so that a retry that spans an upgrade still replays, not conflicts."""
    later_fields = {"language": data.language is None, "fingerprints": not data.fingerprints}
    return data.model_dump(
        mode="json", exclude={name for name, at_default in later_fields.items() if at_default}
    )


def serialise_intake(db_session: Session) -> None:
    """Take the intake lock until commit, so two reports about the same content at once join
    one case (and one Idempotency-Key gives one report). Held for milliseconds: hashing is done.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: the database's single write lock,
    taken now, before the reads that decide which case a report joins.
    """
    if db_session.get_bind().dialect.name == "postgresql":
        db_session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": INTAKE_LOCK_KEY})
    lock_on_sqlite(db_session)


def _uploader_from_ledger(db_session: Session, content_id: str | None) -> str | None:
    if not content_id:
        return None
    from takedown.scan.models import ContentItem

    return db_session.scalar(
        select(ContentItem.account_id)
        .where(ContentItem.content_id == content_id, ContentItem.account_id.is_not(None))
        .order_by(ContentItem.scanned_at.desc())
        .limit(1)
    )


def content_scanned_at(db_session: Session, content_url: str | None) -> str | None:
    """The content id of the latest upload the platform scanned at `content_url`, if any."""
    if not content_url:
        return None
    from takedown.scan.models import ContentItem

    return db_session.scalar(
        select(ContentItem.content_id)
        .where(ContentItem.content_url_key == url_key(content_url))
        .order_by(ContentItem.scanned_at.desc(), ContentItem.id.desc())
        .limit(1)
    )


def _hides_case(
    db_session: Session,
    settings: Settings,
    submission: Submission,
    content_id: str | None,
    hashed: case_media.HashedMedia | None,
) -> bool:
    """Whether the report's reporter is shown nothing of its case (`Report.case_hidden`): it
    sends a picture, a video or fingerprints, and either says nowhere it is, or comes from the
    public and the upload at the place it names is not that media. Anyone can send any picture
    with any address; a case found or joined through a match of that media would tell them the
    picture is here (docs/reports-and-cases.md)."""
    data = submission.report
    sent = (hashed.signals if hashed is not None else []) + [
        f.as_signal() for f in data.fingerprints
    ]
    if not sent or submission.into_case is not None:
        return False
    if not (data.content_url or data.content_id or hashed is not None):
        return True  # by fingerprint alone, whoever sends it
    if submission.channel not in PUBLIC_CHANNELS:
        return False
    return not _upload_holds(db_session, settings, content_id, sent)


def _upload_holds(
    db_session: Session, settings: Settings, content_id: str | None, sent: list[dict[str, Any]]
) -> bool:
    """Whether the platform's latest scans of `content_id` are the media `sent`."""
    if not content_id:
        return False
    from takedown.scan.models import ContentItem

    scanned = db_session.scalars(
        select(ContentItem.signals)
        .where(ContentItem.content_id == content_id)
        .order_by(ContentItem.scanned_at.desc())
        .limit(SCANS_COMPARED)
    )
    return any(case_media.same_media(settings, sent, signals or []) for signals in scanned)


def _find_case(
    db_session: Session,
    settings: Settings,
    index: Any,
    data: ReportIn,
    content_id: str | None,
    hashed: Any,
    fingerprint_entries: tuple[int, ...],
    *,
    by_fingerprints: bool = True,
) -> Case | None:
    """The open case the report joins, locked. Decisions do not take the intake lock, so a case
    found open can be closed before the report joins it; the report must not join a decided case
    unseen, so the case is locked and checked open, and the search runs again if it was closed
    (the closed case is not found again). Should that happen three times over, the report opens a
    case of its own."""
    for _ in range(3):
        found = _case_about_same_content(
            db_session,
            settings,
            index,
            data,
            content_id,
            hashed,
            fingerprint_entries,
            by_fingerprints=by_fingerprints,
        )
        if found is None:
            return None
        case = open_case_locked(db_session=db_session, case_id=found.id)
        if case is not None:
            return case
    return None


def _case_about_same_content(
    db_session: Session,
    settings: Settings,
    index: Any,
    data: ReportIn,
    content_id: str | None,
    hashed: Any,
    fingerprint_entries: tuple[int, ...],
    *,
    by_fingerprints: bool,
) -> Case | None:
    """An open case about the same content: same content id (given, or of the upload scanned at
    the given URL), same URL unless the case names another upload (also through a case that was
    merged into an open one), matching media, or a reporter's fingerprint the content (or,
    `by_fingerprints`, the report's own fingerprints) matched."""
    if content_id:
        case = _open_case_about(db_session, Case.content_id == content_id)
        if case is not None:
            return case
    if data.content_url:
        same_address = Case.content_url_key == url_key(data.content_url)
        if content_id:
            # An address the platform gave to another upload since (a post deleted, its address
            # reused) is not the same content: joining would put this report before reviewers
            # of the other upload, and act on that one's uploader.
            same_address = and_(
                same_address, or_(Case.content_id.is_(None), Case.content_id == content_id)
            )
        case = _open_case_about(db_session, same_address)
        if case is not None:
            return case
    if hashed is not None:
        case = case_media.find_case_by_media(
            db_session=db_session, settings=settings, signals=hashed.signals
        )
        if case is not None:
            return case
    if fingerprint_entries:
        case = fingerprints.case_fingerprinted_by(db_session, fingerprint_entries)
        if case is not None:
            return case
    given = [
        f.as_signal()
        for f in data.fingerprints
        if by_fingerprints and fingerprints.usable(f, settings)
    ]
    if given:
        case = case_media.find_case_by_media(
            db_session=db_session, settings=settings, signals=given
        )
        if case is not None:
            return case
    if given or hashed is not None:
        return fingerprints.case_fingerprinted_like(
            db_session,
            settings,
            given + (hashed.signals if hashed is not None else []),
            case_media.match_signals(index, settings, given)
            + (hashed.matches if hashed is not None else []),
        )
    return None


def _open_case_about(db_session: Session, same_content: Any) -> Case | None:
    """The oldest open case matching `same_content`; else the open case that a matching case
    was merged into (cases/merging.py: merged cases point at the case that took their reports).
    Never by a content id or address a hidden report gave (`Case.location_unverified`)."""
    same_content = and_(same_content, Case.location_unverified.is_(False))
    case = db_session.scalar(
        select(Case)
        .where(same_content, Case.status.in_([s.value for s in OPEN_STATUSES]))
        .order_by(Case.created_at)
        .limit(1)
    )
    if case is not None:
        return case
    # `merged_into` rather than the merged status: on the status, SQLite (without statistics)
    # went through every merged case ever through the queue index instead of the post's index.
    merged = select(Case).where(same_content, Case.merged_into.is_not(None))
    for merged_case in db_session.scalars(merged.order_by(Case.created_at.desc()).limit(8)):
        joined: Case | None = merged_case
        for _ in range(8):  # the case it joined may itself have been merged later
            if joined is None or joined.status != CaseStatus.MERGED or not joined.merged_into:
                break
            joined = db_session.get(Case, joined.merged_into)
        if joined is not None and joined.status in OPEN_STATUSES:
            return joined
    return None


def _open_case(
    settings: Settings,
    data: ReportIn,
    content_id: str | None,
    priority: Any,
    legal_ncii: bool,
    flagged: bool,
    account_id: str | None,
    has_file: bool,
    now: datetime,
    *,
    watching: bool,
    location_unverified: bool,
) -> Case:
    fetch = bool(content_id and not has_file and settings.platform_media_url)
    case = Case(
        id=new_id("case"),
        status=(CaseStatus.WATCHING if watching else CaseStatus.OPEN).value,
        priority=priority.value,
        category=data.category.value,
        is_child_safety=is_child_safety(data.category, data.subject_is_minor),
        deadline_is_legal=legal_ncii,
        deadline_started_at=now,
        deadline_at=deadline_window(
            settings=settings, priority=priority, start=now, legal_ncii=legal_ncii
        ),
        escalation_level=0,
        bank_match=False,
        ranked_lower=flagged,
        report_count=1,
        account_id=account_id,
        content_id=content_id,
        content_url=normalise_url(data.content_url) if data.content_url else None,
        content_url_key=url_key(data.content_url) if data.content_url else None,
        location_unverified=location_unverified,
        media_fetch_state="pending" if fetch else None,
        media_fetch_attempts=0,
        media_fetch_next_at=now if fetch else None,
        created_at=now,
        updated_at=now,
    )
    case.next_escalation_at = None if watching else escalation_time(case, 1)
    return case


def _join_case(case: Case, data: ReportIn, flagged: bool, now: datetime) -> None:
    case.report_count += 1
    case.category = more_severe_category(case.category, data.category)
    case.is_child_safety = case.is_child_safety or is_child_safety(
        data.category, data.subject_is_minor
    )
    case.ranked_lower = case.ranked_lower and flagged
    case.updated_at = now


def _locate_joined_case(
    settings: Settings,
    case: Case,
    data: ReportIn,
    content_id: str | None,
    account_id: str | None,
    has_file: bool,
    now: datetime,
) -> None:
    """A case with no uploader, content id or address yet takes the joining report's (a report
    whose case is not hidden: where the content is, found or confirmed)."""
    case.account_id = case.account_id or account_id
    if (content_id or data.content_url) and not (case.content_id or case.content_url):
        case.location_unverified = False
    if content_id and not case.content_id:
        case.content_id = content_id
        # A case opened from fingerprints alone has no media yet: fetch the upload it now names.
        if not has_file and settings.platform_media_url and case.media_fetch_state is None:
            case.media_fetch_state = "pending"
            case.media_fetch_attempts = 0
            case.media_fetch_next_at = now
    if data.content_url and not case.content_url:
        case.content_url = normalise_url(data.content_url)
        case.content_url_key = url_key(data.content_url)
    case.updated_at = now


def _reporter_role(data: ReportIn, submission: Submission) -> str | None:
    """The role the report states; a designated trusted flagger's key stands in for none."""
    if data.reporter.role:
        return data.reporter.role.value
    return ReporterRole.TRUSTED_FLAGGER.value if submission.trusted_flagger else None


def _reports_about(
    db_session: Session, data: ReportIn, content_id: str | None, case: Case | None
) -> int:
    """Earlier reports about the post, reporters flagged as unfounded not counted: on the open
    case this report joins, and on closed cases about the same content id or URL."""
    on_case = 0
    if case is not None:
        counted = select(func.count()).where(
            Report.case_id == case.id, Report.ranked_lower.is_(False)
        )
        on_case = int(db_session.scalar(counted) or 0)
    return on_case + earlier_reports_about(
        db_session=db_session,
        content_id=content_id or (case.content_id if case else None),
        url_key=url_key(data.content_url)
        if data.content_url
        else (case.content_url_key if case else None),
    )
