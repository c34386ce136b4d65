"""Shapes of the staff API (/v1/cases, /v1/appeals)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from takedown.cases.models import Appeal, Case, CaseMedia
from takedown.cases.notes import NOTE_MAX_CHARS
from takedown.review.models import IMMEDIATE_RISK_MAX_CHARS, REASON_MAX_CHARS, Decision


class CaseSummary(BaseModel):
    case_id: str
    status: str
    priority: str
    category: str
    is_child_safety: bool
    escalation_level: int
    overdue: bool
    deadline_at: datetime | None  # None while watching: it starts when a match is found
    found_at: datetime | None  # when a watching case's first matching upload arrived
    report_count: int
    ranked_lower: bool
    claimed_by: str | None
    assigned_to: str | None  # user id a lead routed the case to (review/assignment.py)
    created_at: datetime
    outcome: str | None

    @classmethod
    def of(cls, case: Case, *, overdue: bool, claimed_by: str | None) -> CaseSummary:
        return cls(
            case_id=case.id,
            status=case.status,
            priority=case.priority,
            category=case.category,
            is_child_safety=case.is_child_safety,
            escalation_level=case.escalation_level,
            overdue=overdue,
            deadline_at=case.running_deadline,
            found_at=case.found_at,
            report_count=case.report_count,
            ranked_lower=case.ranked_lower,
            claimed_by=claimed_by,
            assigned_to=case.assigned_to,
            created_at=case.created_at,
            outcome=case.outcome,
        )


class CaseList(BaseModel):
    queue: str
    cases: list[CaseSummary]
    next: str | None = Field(
        None, description="the cursor of the next page (`after=`); null after the last page"
    )
    changed_ahead: list[str] = Field(
        default_factory=list,
        description="cases on this page that sort before where the page before ended: new, "
        "raised, escalated or otherwise changed since it was read (shown so none is skipped; "
        "one may have been on an earlier page too)",
    )


class AdditionOut(BaseModel):
    """What the reporter added later from the tracking page (reports.additions)."""

    text: str | None
    law_enforcement_agency: str | None
    law_enforcement_case_number: str | None
    subject_is_minor: bool
    received_at: datetime


class FingerprintOut(BaseModel):
    """A hash of a picture the reporter holds, sent instead of it (reports.fingerprints)."""

    signal_type: str
    value: str
    quality: int | None
    bank_entry_id: int | None  # None: too low a quality to look for


class ReportOut(BaseModel):
    report_id: str
    category: str
    reporter_role: str | None  # as the report states it
    trusted_flagger: bool  # sent with a designated trusted flagger's key
    channel: str  # web_form, api, platform, or hash_match (Takedown's own: a blocked upload)
    subject_is_minor: str
    content_id: str | None
    content_url: str | None
    explanation: str | None
    law_enforcement_agency: str | None
    law_enforcement_case_number: str | None
    ranked_lower: bool
    received_at: datetime
    language: str | None = (
        None  # what the reporter reads (their emails, tracking page); None: default
    )
    additions: list[AdditionOut] = []
    fingerprints: list[FingerprintOut] = []
    # No address, content id or file
    by_fingerprint_alone: bool = False
    # Its reporter is told nothing that depends on a match (by fingerprint alone, or it sent a
    # picture or fingerprints that the place it names does not hold)
    case_hidden: bool = False
    withdrawn_at: datetime | None = None  # the reporter withdrew its fingerprints


class ReportCase(BaseModel):
    """The case a report is on now (GET /v1/reports/{report_id})."""

    report_id: str
    case_id: str


class MediaOut(BaseModel):
    media_id: int
    source: str  # upload (attached to a report) | platform (fetched by content id)
    media_type: str
    sha256: str
    size_bytes: int
    signals: list[dict[str, Any]]
    matches: list[dict[str, Any]]
    error: str | None

    @classmethod
    def of(cls, media: CaseMedia) -> MediaOut:
        return cls(
            media_id=media.id,
            source=media.source,
            media_type=media.media_type,
            sha256=media.sha256,
            size_bytes=media.size_bytes,
            signals=media.signals or [],
            matches=media.matches or [],
            error=media.error,
        )


class DecisionOut(BaseModel):
    decision_id: str
    case_id: str
    appeal_id: str | None
    reviewer_id: str
    stage: str
    outcome: str
    policy: str
    reason: str
    classification: str | None
    appeal_outcome: str | None
    final: bool
    decided_at: datetime
    immediate_risk: str | None = None

    @classmethod
    def of(cls, decision: Decision) -> DecisionOut:
        return cls(
            decision_id=decision.id,
            case_id=decision.case_id,
            appeal_id=decision.appeal_id,
            reviewer_id=decision.reviewer_id,
            stage=decision.stage,
            outcome=decision.outcome,
            policy=decision.policy,
            reason=decision.reason,
            classification=decision.classification,
            immediate_risk=decision.immediate_risk,
            appeal_outcome=decision.appeal_outcome,
            final=decision.final,
            decided_at=decision.decided_at,
        )


class AppealOut(BaseModel):
    appeal_id: str
    case_id: str
    appellant: str
    reason: str
    status: str
    appealed_outcome: str | None
    outcome: str | None
    decided_by: str | None
    created_at: datetime
    decided_at: datetime | None

    @classmethod
    def of(cls, appeal: Appeal) -> AppealOut:
        return cls(
            appeal_id=appeal.id,
            case_id=appeal.case_id,
            appellant=appeal.appellant,
            reason=appeal.reason,
            status=appeal.status,
            appealed_outcome=appeal.appealed_outcome,
            outcome=appeal.outcome,
            decided_by=appeal.decided_by,
            created_at=appeal.created_at,
            decided_at=appeal.decided_at,
        )


class EarlierCaseOut(BaseModel):
    """A closed case about the same post: it was reported before."""

    case_id: str
    category: str
    status: str
    outcome: str | None
    decided_at: datetime | None


class CaseDetail(CaseSummary):
    priority_reasons: list[str]  # what raises its priority, in words (none: P2's defaults)
    bank_match: bool  # its media matched a bank of known material
    deadline_is_legal: bool  # TAKE IT DOWN Act: a valid NCII request's 48 h is law, not policy
    merged_into: str | None  # a `merged` case: the case that holds its reports and media now
    distinct_reporters: int  # by email; anonymous reports by client address, else each its own
    account_id: str | None
    content_id: str | None
    content_url: str | None
    reports: list[ReportOut]
    media: list[MediaOut]
    decisions: list[DecisionOut]
    appeals: list[AppealOut]
    notes: list[NoteOut]
    # Closed cases about the same post, oldest first (child-safety ones only for those who may
    # see them; the rest counted)
    earlier_cases: list[EarlierCaseOut]
    earlier_cases_hidden: int
    case_version: str = Field(
        description="what a decision is made on (status, category, reports, decisions): send it "
        "back with a decision and a case changed meanwhile refuses it (409 `case_changed`)"
    )


class ScanOfContentOut(BaseModel):
    scan_id: str
    content_id: str
    account_id: str | None
    content_url: str | None
    media_type: str
    verdict: str
    published: bool  # scanned when already public (back catalogue)
    scanned_at: datetime
    banks: list[str]  # the banks whose entries matched


class CaseAboutContentOut(BaseModel):
    case_id: str
    status: str
    category: str
    priority: str
    outcome: str | None
    content_id: str | None  # which post it is about (None: found by address only)
    reported: bool  # the case's content, or a report in it names the post
    removed_at: datetime | None  # the case took the post down
    restored_at: datetime | None


class ContentLookupOut(BaseModel):
    """GET /v1/content: what Takedown knows about a post (review/content_lookup.py)."""

    content_ids: list[str]  # the posts looked up (an address can name several scans)
    scans: list[ScanOfContentOut]  # newest first, at most 20
    cases: list[CaseAboutContentOut]  # newest first
    hidden_cases: int  # child-safety cases about it that the caller may not see


class ReportOfReporterOut(BaseModel):
    report_id: str
    received_at: datetime
    category: str
    case_id: str
    case_status: str
    case_outcome: str | None


class ReportsOfReporter(BaseModel):
    reports: list[ReportOfReporterOut]
    hidden_reports: int  # on child-safety cases the caller may not see


class AssignmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str | None = Field(None, max_length=200, description="null: unassign")


class ReferralIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: str = Field(description="child_sexual_abuse | child_sexual_exploitation")
    subject_is_minor: bool = Field(False, description="the person shown looks under 18")
    reason: str = Field(..., min_length=1, max_length=5000, description="what you saw")


class ReferralOut(BaseModel):
    case_id: str
    category: str
    is_child_safety: bool
    priority: str
    deadline_at: datetime


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(
        ..., min_length=1, max_length=NOTE_MAX_CHARS, description="staff only, never public"
    )


class NoteOut(BaseModel):
    """Staff's internal note on the case (cases/notes.py); oldest first. A redacted note keeps its
    place with an empty text and says who redacted it, when and why."""

    model_config = ConfigDict(from_attributes=True)
    note_id: str = Field(validation_alias="id")
    case_id: str
    author_id: str
    text: str
    written_at: datetime
    redacted_at: datetime | None = None
    redacted_by: str | None = Field(None, description="the administrator's user id")
    redaction_reason: str | None = None


class RedactionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(
        ..., max_length=500, description="why the text goes, e.g. it names the reporter"
    )


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: str = Field(description="violating | no_violation")
    policy: str = Field("", max_length=120, description="the policy broken (violating)")
    reason: str = Field(..., max_length=REASON_MAX_CHARS)
    classification: str | None = Field(
        None, description="A1 | A2 | B1 | B2: required for violating child sexual abuse"
    )
    immediate_risk: str | None = Field(
        None,
        max_length=IMMEDIATE_RISK_MAX_CHARS,
        description=(
            "violating child sexual abuse or exploitation only: why a child is at immediate risk;"
            " escalates the CyberTipline report to high priority and pages on-call"
        ),
    )
    case_version: str | None = Field(
        None,
        max_length=200,
        description="the `case_version` of the case as read (GET /v1/cases/{id}): a case "
        "changed since (a decision, a report, a new status) refuses the decision with 409 "
        "`case_changed`, so a second review is never made unseen",
    )


class AppealDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: str = Field(description="upheld | overturned")
    reason: str = Field(..., max_length=REASON_MAX_CHARS)
    policy: str = Field("", max_length=120)
    classification: str | None = None
    immediate_risk: str | None = Field(
        None,
        max_length=IMMEDIATE_RISK_MAX_CHARS,
        description="a reversal to violating child sexual abuse or exploitation: why a child is "
        "at immediate risk (as in a decision)",
    )
    case_version: str | None = Field(
        None,
        max_length=200,
        description="the `case_version` of the case as read (GET /v1/cases/{id}): a case "
        "changed since (a decision, a report, a new status) refuses the decision with 409 "
        "`case_changed`, so a second review is never made unseen",
    )


class UploaderAppealIn(BaseModel):
    """An uploader's appeal against a removal, recorded by staff (the case is in the path)."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(..., min_length=1, max_length=20_000)
    contact_email: str | None = Field(None, max_length=320)


class PlatformUploaderAppealIn(UploaderAppealIn):
    """The same appeal from a platform (POST /v1/uploader-appeals), naming its case."""

    case_id: str = Field(..., max_length=40)


class DecisionResult(BaseModel):
    decision: DecisionOut
    case: CaseSummary
