"""Referring a case to child-safety review.

A bystander reports an abuse video as spam; a teenager's intimate picture is reported as adult
imagery. The reviewer who opens such a case may not be a child-safety reviewer, and may not make
a child-safety finding (review/flows.py: it files a CyberTipline report and needs the industry
classification). They refer the case instead: their finding joins the case as a report of its
own (channel `reviewer_referral`, no notice behind it), through the same intake as any report,
so the case's category, child-safety flag, priority and deadline follow what they saw, and the
case moves to the child-safety reviewers' queues.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.audit.service import record
from takedown.auth.models import User
from takedown.cases.media import read_bytes
from takedown.cases.models import (
    CHILD_SAFETY_CATEGORIES,
    CLOSED_STATUSES,
    Case,
    CaseMedia,
    CaseStatus,
    Category,
)
from takedown.cases.service import case_reports, locked_case
from takedown.content_urls import is_web_address
from takedown.errors import Conflict, Forbidden, InvalidInput
from takedown.review.service import may_see_case
from takedown.settings import Settings

REASON_MAX_CHARS = 5000
# Closed with a decision: a referral opens a case of its own about the post.
DECIDED_STATUSES = frozenset({CaseStatus.ACTION_TAKEN, CaseStatus.NO_ACTION})


def may_refer(case: Case) -> bool:
    """Whether the case page offers the referral: a case under review that is not child safety
    yet, or a decided case not found child sexual abuse or exploitation."""
    if case.status in DECIDED_STATUSES:
        return not _found_child_safety(case)
    return (
        case.status not in CLOSED_STATUSES
        and case.status != CaseStatus.WATCHING
        and not (case.is_child_safety and case.category in CHILD_SAFETY_CATEGORIES)
    )


def can_refer(db_session: Session, settings: Settings, case: Case) -> bool:
    """False for a decided case that has nothing left to refer: its media deleted when it closed,
    and no post named (`nothing_to_refer`)."""
    return (
        case.status not in DECIDED_STATUSES
        or bool(case.content_id or case.content_url)
        or _media_of(settings, db_session, case) is not None
    )


def _found_child_safety(case: Case) -> bool:
    return (
        case.status == CaseStatus.ACTION_TAKEN
        and case.is_child_safety
        and case.category in CHILD_SAFETY_CATEGORIES
    )


def refer_to_child_safety(
    *,
    db_session: Session,
    settings: Settings,
    index: Any,
    case_id: str,
    reviewer: User,
    category: str,
    subject_is_minor: bool,
    reason: str,
) -> Case:
    """File the reviewer's finding as a report: on the case, now child safety, if it is under
    review; about its post, a case of its own, if it was decided. Returns the case the referral
    is on."""
    from takedown.reports.flows import Submission, serialise_intake, submit_report
    from takedown.reports.models import Channel, Report
    from takedown.reports.schemas import LawEnforcement, MinorSubject, ReportIn

    # The intake lock before the case's, in the order every report takes them (else a report
    # joining this case at the same moment could deadlock with the referral).
    serialise_intake(db_session)
    case = locked_case(db_session=db_session, case_id=case_id)
    if not may_see_case(reviewer.role, case):
        raise Forbidden(
            "child-safety cases are open to child-safety reviewers only", code="child_safety_case"
        )
    decided = case.status in DECIDED_STATUSES
    if case.status in CLOSED_STATUSES - DECIDED_STATUSES or case.status == CaseStatus.WATCHING:
        raise Conflict(
            "only a case waiting for review, or decided, can be referred",
            code="case_not_under_review",
        )
    if _found_child_safety(case):
        raise Conflict(
            "the case was found child sexual abuse or exploitation already",
            code="already_child_safety",
        )
    if category not in CHILD_SAFETY_CATEGORIES:
        raise InvalidInput(
            "refer as child sexual abuse or child sexual exploitation", code="not_child_safety"
        )
    reason = reason.strip()
    if not reason:
        raise InvalidInput("say what you saw", code="reason_required")
    if len(reason) > REASON_MAX_CHARS:
        raise InvalidInput(f"at most {REASON_MAX_CHARS:,} characters", code="reason_too_long")
    if not decided and case.category == category and case.is_child_safety:
        raise Conflict("the case is in child-safety review already", code="already_child_safety")
    media = _media_of(settings, db_session, case) if decided else None
    if decided and media is None and not (case.content_id or case.content_url):
        raise Conflict(
            "the case's media was deleted when it closed and it names no post: report the post "
            "where it is, or ask the platform for it",
            code="nothing_to_refer",
        )
    # What the reporters said that raises a child-safety case's priority counts for the referral
    # too: a police case number, a minor shown.
    reports = case_reports(db_session=db_session, case_id=case.id)
    police = next((r for r in reports if r.law_enforcement_case_number), None)
    minor = subject_is_minor or any(r.subject_is_minor == MinorSubject.YES for r in reports)
    answer = submit_report(
        db_session=db_session,
        settings=settings,
        index=index,
        submission=Submission(
            report=ReportIn(
                category=Category(category),
                content_id=case.content_id,
                content_url=case.content_url if is_web_address(case.content_url) else None,
                account_id=case.account_id,
                subject_is_minor=MinorSubject.YES if minor else MinorSubject.UNKNOWN,
                law_enforcement=LawEnforcement(
                    agency=police.law_enforcement_agency,
                    case_number=police.law_enforcement_case_number,
                )
                if police
                else None,
                explanation=f"Referred to child-safety review by {reviewer.username}: {reason}",
            ),
            channel=Channel.REVIEWER_REFERRAL,
            # A decided case takes no reports: the referral opens a case of its own about the
            # post (or joins one open), with the media while the working copy is kept.
            into_case=None if decided else case.id,
            file_bytes=media[0] if media else None,
            filename=media[1] if media else None,
            acknowledge=False,
        ),
    )
    referred = db_session.get_one(
        Case, db_session.get_one(Report, answer.body["report_id"]).case_id
    )
    if not decided:
        case.claimed_by, case.claimed_at = None, None  # it may now be hidden from the referrer
        _unassign_if_hidden(db_session, case, actor=f"user:{reviewer.id}")
    record(
        db_session=db_session,
        actor=f"user:{reviewer.id}",
        action="case.referred_to_child_safety",
        subject=case.id,
        details={
            "report_id": answer.body["report_id"],
            "category": category,
            "subject_is_minor": subject_is_minor,
            "referred_case_id": referred.id,
        },
    )
    db_session.flush()
    return referred


def _unassign_if_hidden(db_session: Session, case: Case, *, actor: str) -> None:
    """A case now in child-safety review leaves the "mine" queue of an assignee who may no longer
    open it (a plain reviewer): a lead assigns it again to a child-safety reviewer."""
    if case.assigned_to is None:
        return
    assignee = db_session.get(User, case.assigned_to)
    if assignee is not None and not assignee.disabled and may_see_case(assignee.role, case):
        return
    record(
        db_session=db_session,
        actor=actor,
        action="case.unassigned",
        subject=case.id,
        details={
            "to": None,
            "from": case.assigned_to,
            "because": "referred to child-safety review, which the assignee may not open",
        },
    )
    case.assigned_to, case.assigned_at = None, None


def _media_of(settings: Settings, db_session: Session, case: Case) -> tuple[bytes, str] | None:
    """(bytes, file name) of the decided case's first media file still in working storage (the
    media-cleanup job deletes it after the case closes): None when gone, and the new case then
    has only what the post's address and the platform's fetch give it."""
    for media in db_session.scalars(
        select(CaseMedia).where(CaseMedia.case_id == case.id).order_by(CaseMedia.id)
    ):
        try:
            return read_bytes(settings, media), media.filename or f"referred-{media.media_type}"
        except OSError:
            continue
    return None
