"""The staff API: the console's queues, case view, claims and decisions for automation.

Bearer staff token (`takedown user token`); the token's user and role decide, as in the console.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from takedown.api.deps import DB_SESSION, get_settings
from takedown.auth.dependencies import require_role
from takedown.auth.models import Role, User
from takedown.auth.service import Principal
from takedown.cases import notes
from takedown.cases.models import Appeal, Case
from takedown.cases.service import (
    case_appeals,
    case_media,
    case_priority_facts,
    case_reports,
    distinct_reporters,
    priority_reasons,
)
from takedown.content_urls import is_web_address
from takedown.errors import Forbidden, InvalidInput, NotFound
from takedown.reports.additions import additions_of
from takedown.reports.fingerprints import fingerprints_by_report
from takedown.review import assignment, flows, referrals, service
from takedown.review.content_lookup import look_up_content
from takedown.review.reporter_lookup import look_up_reporter
from takedown.review.schemas import (
    AdditionOut,
    AppealDecisionIn,
    AppealOut,
    AssignmentIn,
    CaseAboutContentOut,
    CaseDetail,
    CaseList,
    CaseSummary,
    ContentLookupOut,
    DecisionIn,
    DecisionOut,
    DecisionResult,
    EarlierCaseOut,
    FingerprintOut,
    MediaOut,
    NoteIn,
    NoteOut,
    RedactionIn,
    ReferralIn,
    ReferralOut,
    ReportCase,
    ReportOfReporterOut,
    ReportOut,
    ReportsOfReporter,
    ScanOfContentOut,
    UploaderAppealIn,
)
from takedown.settings import Settings
from takedown.store.db import erase_from_files

router = APIRouter(prefix="/v1", tags=["staff: cases and review"])


def staff_user(
    principal: Principal = Depends(require_role(Role.REVIEWER)),
    db_session: Session = DB_SESSION,
) -> User:
    user = db_session.get(User, principal.user_id) if principal.user_id else None
    if user is None or user.disabled:
        raise Forbidden("the token's user is gone or disabled", code="user_disabled")
    return user


def _summary(case: Case, settings: Settings) -> CaseSummary:
    live = service.claim_is_live(settings=settings, case=case)
    return CaseSummary.of(
        case, overdue=service.is_overdue(case), claimed_by=case.claimed_by if live else None
    )


@router.get("/cases", response_model=CaseList)
def list_cases(
    queue: str = Query(service.Queue.OPEN, description=", ".join(service.Queue.NAMES)),
    status: str | None = Query(None),
    category: str | None = Query(None, description="only cases of this category"),
    language: str | None = Query(
        None, max_length=35, description="only cases with a report in this language (es, pt-br)"
    ),
    limit: int = Query(200, ge=1, le=1000),
    after: str | None = Query(
        None, max_length=1000, description="the `next` of the page before: the page after it"
    ),
    user: User = Depends(staff_user),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> CaseList:
    """A queue, most urgent first (priority, escalation, deadline), `limit` cases a page: `next`
    is the `after` of the next page (null after the last). Child-safety cases only for
    child_safety_reviewer and above."""
    found = service.list_queue_page(
        db_session=db_session,
        user=user,
        queue=queue,
        status=status,
        category=category,
        language=language,
        limit=limit,
        after=after,
    )
    return CaseList(
        queue=queue,
        cases=[_summary(case, settings) for case in found.cases],
        next=found.next,
        changed_ahead=found.changed_ahead,
    )


@router.get("/reports", response_model=ReportsOfReporter)
def reports_of_reporter(
    reporter_email: str = Query(..., max_length=320),
    user: User = Depends(staff_user),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> ReportsOfReporter:
    """The reports made with this email address, newest first (at most 50), with their cases:
    for a reporter who lost their link and reference. Audited by a keyed hash of the address."""
    found = look_up_reporter(db_session, settings=settings, email=reporter_email, user=user)
    db_session.commit()
    return ReportsOfReporter(
        reports=[
            ReportOfReporterOut(
                report_id=r.report.id,
                received_at=r.report.received_at,
                category=r.report.category,
                case_id=r.case.id,
                case_status=r.case.status,
                case_outcome=r.case.outcome,
            )
            for r in found.reports
        ],
        hidden_reports=found.hidden_reports,
    )


@router.get("/reports/{report_id}", response_model=ReportCase)
def case_of_report(
    report_id: str,
    user: User = Depends(staff_user),
    db_session: Session = DB_SESSION,
) -> ReportCase:
    """The case a report is on now (reports join and merge): a reporter by fingerprint alone
    quotes only their report's reference."""
    if not report_id.startswith("rep_"):
        raise NotFound(f"no report {report_id}", code="report_not_found")
    case = service.visible_case_of_reference(db_session=db_session, reference=report_id, user=user)
    return ReportCase(report_id=report_id, case_id=case.id)


@router.get("/cases/{case_id}", response_model=CaseDetail)
def get_case(
    case_id: str,
    user: User = Depends(staff_user),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> CaseDetail:
    case = service.get_visible_case(db_session=db_session, case_id=case_id, user=user)
    reports = case_reports(db_session=db_session, case_id=case.id)
    additions = additions_of(db_session=db_session, case_id=case.id)
    fingerprints = fingerprints_by_report(db_session, case.id)
    facts = case_priority_facts(
        db_session=db_session, settings=settings, case=case, reports=reports
    )
    earlier, hidden = service.seen_by(service.earlier_cases_about(db_session, case), user)
    return CaseDetail(
        **_summary(case, settings).model_dump(),
        priority_reasons=priority_reasons(facts),
        bank_match=case.bank_match,
        deadline_is_legal=case.deadline_is_legal,
        merged_into=case.merged_into,
        distinct_reporters=distinct_reporters(reports),
        account_id=case.account_id,
        content_id=case.content_id,
        content_url=case.content_url,
        reports=[
            ReportOut(
                report_id=r.id,
                category=r.category,
                reporter_role=r.reporter_role,
                trusted_flagger=r.trusted_flagger,
                channel=r.channel,
                subject_is_minor=r.subject_is_minor,
                content_id=r.content_id,
                content_url=r.content_url,
                explanation=r.explanation,
                law_enforcement_agency=r.law_enforcement_agency,
                law_enforcement_case_number=r.law_enforcement_case_number,
                ranked_lower=r.ranked_lower,
                received_at=r.received_at,
                language=r.language,
                additions=[
                    AdditionOut.model_validate(a, from_attributes=True)
                    for a in additions.get(r.id, [])
                ],
                fingerprints=[
                    FingerprintOut.model_validate(f, from_attributes=True)
                    for f in fingerprints.get(r.id, [])
                ],
                by_fingerprint_alone=r.by_fingerprint_alone,
                case_hidden=r.case_hidden,
                withdrawn_at=r.withdrawn_at,
            )
            for r in reports
        ],
        media=[MediaOut.of(m) for m in case_media(db_session=db_session, case_id=case.id)],
        decisions=[
            DecisionOut.of(d) for d in service.decisions_for(db_session=db_session, case_id=case.id)
        ],
        appeals=[AppealOut.of(a) for a in case_appeals(db_session=db_session, case_id=case.id)],
        notes=[NoteOut.model_validate(n) for n in notes.notes_of(db_session, case.id)],
        earlier_cases=[
            EarlierCaseOut(
                case_id=c.id,
                category=c.category,
                status=c.status,
                outcome=c.outcome,
                decided_at=c.decided_at,
            )
            for c in earlier
        ],
        earlier_cases_hidden=hidden,
        case_version=service.case_version(db_session, case),
    )


@router.post("/cases/{case_id}/notes", response_model=NoteOut, status_code=201)
def add_note(
    case_id: str,
    body: NoteIn,
    user: User = Depends(staff_user),
    db_session: Session = DB_SESSION,
) -> NoteOut:
    """An internal note on the case, for staff only (a hand-over, what was asked of whom); any
    role that sees the case writes one. Notes are never edited: a correction is a new note."""
    case = service.get_visible_case(db_session=db_session, case_id=case_id, user=user)
    note = notes.add_note(db_session=db_session, case=case, author_id=user.id, text=body.text)
    db_session.commit()
    return NoteOut.model_validate(note)


@router.post("/cases/{case_id}/notes/{note_id}/redaction", response_model=NoteOut)
def redact_note(
    case_id: str,
    note_id: str,
    body: RedactionIn,
    user: User = Depends(staff_user),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> NoteOut:
    """Erase a note's text that should not have been written (a reporter's or victim's contact
    details, say); administrators only, with a reason. The note keeps its place and says who
    redacted it, when and why; the redaction is audited."""
    case = service.get_visible_case(db_session=db_session, case_id=case_id, user=user)
    note = notes.redact_note(
        db_session=db_session, case=case, note_id=note_id, admin=user, reason=body.reason
    )
    db_session.commit()
    erase_from_files(settings.resolved_database_url)
    return NoteOut.model_validate(note)


@router.post("/cases/{case_id}/assignment", response_model=CaseSummary)
def assign(
    case_id: str,
    body: AssignmentIn,
    user: User = Depends(staff_user),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> CaseSummary:
    """Route the case to a reviewer (`{"username": ...}`) or unassign it (`null`); admins only.
    It waits in their "mine" queue; it does not lapse and keeps nobody else from the case."""
    case = assignment.assign_case(
        db_session=db_session, case_id=case_id, lead=user, username=body.username
    )
    db_session.commit()
    return _summary(case, settings)


@router.post("/cases/{case_id}/referrals", response_model=ReferralOut, status_code=201)
def refer_to_child_safety(
    case_id: str,
    body: ReferralIn,
    request: Request,
    user: User = Depends(staff_user),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> ReferralOut:
    """Refer a case that may be child sexual abuse or exploitation to child-safety review (a
    plain reviewer may not make that finding): the case takes the category, priority and
    deadline of what you saw, and leaves the queues of reviewers who may not see it. A decided
    case (no violation, or a violation of another kind) stays as it is: the referral opens a
    case of its own about the post, which the answer names."""
    case = referrals.refer_to_child_safety(
        db_session=db_session,
        settings=settings,
        index=getattr(request.app.state, "index", None),
        case_id=case_id,
        reviewer=user,
        category=body.category,
        subject_is_minor=body.subject_is_minor,
        reason=body.reason,
    )
    db_session.commit()
    return ReferralOut(
        case_id=case.id,
        category=case.category,
        is_child_safety=case.is_child_safety,
        priority=case.priority,
        deadline_at=case.deadline_at,
    )


@router.get("/content", response_model=ContentLookupOut)
def content(
    content_id: str | None = Query(None, max_length=255),
    content_url: str | None = Query(None, max_length=2000),
    user: User = Depends(staff_user),
    db_session: Session = DB_SESSION,
) -> ContentLookupOut:
    """What Takedown knows about one post, by its content id or its address: its scans in the
    ledger (verdict, uploader, matching banks) and the cases about it, with whether each took it
    down. Give exactly one of `content_id` and `content_url`."""
    if bool(content_id) == bool(content_url):
        raise InvalidInput("give content_id or content_url", code="content_id_or_url")
    if content_url and not is_web_address(content_url):
        raise InvalidInput("content_url must be an http or https address", code="invalid_url")
    found = look_up_content(db_session, query=content_id or content_url or "", user=user)
    return ContentLookupOut(
        content_ids=found.content_ids,
        scans=[
            ScanOfContentOut(
                scan_id=s.item.scan_id,
                content_id=s.item.content_id,
                account_id=s.item.account_id,
                content_url=s.item.content_url,
                media_type=s.item.media_type,
                verdict=s.item.verdict,
                published=s.item.published,
                scanned_at=s.item.scanned_at,
                banks=s.banks,
            )
            for s in found.scans
        ],
        cases=[
            CaseAboutContentOut(
                case_id=c.case.id,
                status=c.case.status,
                category=c.case.category,
                priority=c.case.priority,
                outcome=c.case.outcome,
                content_id=c.content_id,
                reported=c.reported,
                removed_at=c.removal.removed_at if c.removal else None,
                restored_at=c.removal.restored_at if c.removal else None,
            )
            for c in found.cases
        ],
        hidden_cases=found.hidden_cases,
    )


@router.post("/cases/{case_id}/claim", response_model=CaseSummary)
def claim(
    case_id: str,
    user: User = Depends(staff_user),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> CaseSummary:
    """Claim the case for `claim_minutes`; 409 while another reviewer's claim is live."""
    case = service.get_visible_case(db_session=db_session, case_id=case_id, user=user)
    service.claim_case(db_session=db_session, settings=settings, case=case, user=user)
    db_session.commit()
    return _summary(case, settings)


@router.post("/cases/{case_id}/decisions", response_model=DecisionResult, status_code=201)
def decide(
    case_id: str,
    body: DecisionIn,
    user: User = Depends(staff_user),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> DecisionResult:
    """Record a decision. A child-safety no_violation needs a second, different reviewer."""
    service.get_visible_case(db_session=db_session, case_id=case_id, user=user)
    decision = flows.record_decision(
        db_session=db_session,
        settings=settings,
        case_id=case_id,
        reviewer=user,
        outcome=body.outcome,
        policy=body.policy,
        reason=body.reason,
        classification=body.classification,
        immediate_risk=body.immediate_risk,
        seen_version=body.case_version,
    )
    db_session.commit()
    case = db_session.get(Case, case_id)
    assert case is not None
    return DecisionResult(decision=DecisionOut.of(decision), case=_summary(case, settings))


@router.post("/cases/{case_id}/appeals", response_model=AppealOut, status_code=201)
def record_uploader_appeal(
    case_id: str,
    body: UploaderAppealIn,
    user: User = Depends(staff_user),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> AppealOut:
    """Record an uploader's appeal against removal that reached staff (e.g. through support)."""
    service.get_visible_case(db_session=db_session, case_id=case_id, user=user)
    appeal = flows.record_uploader_appeal(
        db_session=db_session,
        settings=settings,
        case_id=case_id,
        actor=f"user:{user.id}",
        reason=body.reason,
        contact_email=body.contact_email,
    )
    db_session.commit()
    return AppealOut.of(appeal)


@router.get("/appeals/{appeal_id}", response_model=AppealOut)
def get_appeal(
    appeal_id: str,
    user: User = Depends(staff_user),
    db_session: Session = DB_SESSION,
) -> AppealOut:
    appeal = db_session.get(Appeal, appeal_id)
    if appeal is None:
        raise NotFound(f"no appeal {appeal_id}", code="appeal_not_found")
    service.get_visible_case(db_session=db_session, case_id=appeal.case_id, user=user)
    return AppealOut.of(appeal)


@router.post("/appeals/{appeal_id}/decisions", response_model=DecisionResult, status_code=201)
def decide_appeal(
    appeal_id: str,
    body: AppealDecisionIn,
    user: User = Depends(staff_user),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> DecisionResult:
    """Decide an appeal (upheld | overturned); only a reviewer who did not decide the case."""
    decision = flows.decide_appeal(
        db_session=db_session,
        settings=settings,
        appeal_id=appeal_id,
        reviewer=user,
        outcome=body.outcome,
        reason=body.reason,
        policy=body.policy,
        classification=body.classification,
        immediate_risk=body.immediate_risk,
        seen_version=body.case_version,
    )
    db_session.commit()
    case = db_session.get(Case, decision.case_id)
    assert case is not None
    return DecisionResult(decision=DecisionOut.of(decision), case=_summary(case, settings))
