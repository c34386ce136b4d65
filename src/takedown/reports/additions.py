"""A reporter adds to their report while the case is open: what they learnt since, a police case
number they got later, that the person shown is a child. Reporters in the failure Takedown exists
to end sent ID and a police case number again and again; here it goes onto the case they already
have, in front of the reviewer, and raises the case's priority (and tightens its deadline) when it
adds what the priority rule counts. Once the case is decided, the way on is an appeal (a report by
fingerprint alone, whose reporter is not told the decision, still adds: see `add_information`)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record
from takedown.cases.models import CLOSED_STATUSES, Case, CaseStatus
from takedown.cases.service import apply_priority, case_priority
from takedown.errors import Conflict, InvalidInput
from takedown.ids import new_id
from takedown.reports.models import MinorSubject, Report, ReportAddition
from takedown.settings import Settings

MAX_ADDITIONS = 20  # a report's additions; more is flooding, and a new report is still possible
MAX_TEXT = 5_000
MAX_AGENCY = 200  # as a report's own law_enforcement.agency and case_number
MAX_CASE_NUMBER = 100


def add_information(
    *,
    db_session: Session,
    settings: Settings,
    report: Report,
    case: Case,
    text: str = "",
    police_agency: str = "",
    police_case_number: str = "",
    subject_is_minor: bool = False,
) -> ReportAddition:
    """Record the addition on `report` and its `case` (locked by the caller); raise the case's
    priority if it now earns more."""
    text, police_agency = text.strip(), police_agency.strip()
    police_case_number = police_case_number.strip()
    if report.withdrawn_at is not None:
        raise Conflict("this report is withdrawn", code="report_withdrawn")
    decided = case.status in CLOSED_STATUSES or case.status == CaseStatus.APPEALED
    # A report by fingerprint alone is not told its case's decision, so it is never refused for
    # one: the addition is kept for the reviewers whatever the case's state.
    if decided and not report.case_hidden:
        raise Conflict("this case is decided; appeal the decision instead", code="case_decided")
    # Never cut what a reporter wrote: refused with the limit, they shorten it themselves.
    for value, most in (
        (text, MAX_TEXT),
        (police_agency, MAX_AGENCY),
        (police_case_number, MAX_CASE_NUMBER),
    ):
        if len(value) > most:
            raise InvalidInput(
                f"an addition's answer is over {most} characters",
                code="addition_too_long",
                params={"most": most},
            )
    if not (text or police_case_number or subject_is_minor):
        raise InvalidInput(
            "write what you want to add, or give a police case number", code="empty_addition"
        )
    count = db_session.scalar(
        select(func.count())
        .select_from(ReportAddition)
        .where(ReportAddition.report_id == report.id)
    )
    if (count or 0) >= MAX_ADDITIONS:
        raise Conflict(
            f"a report takes at most {MAX_ADDITIONS} additions; send a new report",
            code="too_many_additions",
        )
    now = clock.now()
    addition = ReportAddition(
        id=new_id("add"),
        report_id=report.id,
        case_id=case.id,
        text=text or None,
        law_enforcement_agency=police_agency or None,
        law_enforcement_case_number=police_case_number or None,
        subject_is_minor=subject_is_minor,
        received_at=now,
    )
    db_session.add(addition)
    # The report's own facts gain what the addition tells (never lose any), so priority and the
    # CyberTipline report see them.
    if police_case_number and not report.law_enforcement_case_number:
        report.law_enforcement_case_number = police_case_number
        report.law_enforcement_agency = police_agency or report.law_enforcement_agency
    if subject_is_minor:
        report.subject_is_minor = MinorSubject.YES.value
    db_session.flush()
    record(
        db_session=db_session,
        actor="public",
        action="report.information_added",
        subject=case.id,
        details={
            "report_id": report.id,
            "addition_id": addition.id,
            "text_characters": len(text),
            "police_case_number": bool(police_case_number),
            "subject_is_minor": subject_is_minor,
        },
    )
    if decided:
        return addition
    before = case.priority
    apply_priority(
        settings=settings,
        case=case,
        priority=case_priority(db_session=db_session, settings=settings, case=case),
        start=now,
        legal_ncii=False,
    )
    if case.priority != before:
        record(
            db_session=db_session,
            actor="system",
            action="case.priority_raised",
            subject=case.id,
            details={"from": before, "to": case.priority, "because": "report.information_added"},
        )
    return addition


def additions_of(*, db_session: Session, case_id: str) -> dict[str, list[ReportAddition]]:
    """The case's additions by report id, oldest first."""
    rows = db_session.scalars(
        select(ReportAddition)
        .where(ReportAddition.case_id == case_id)
        .order_by(ReportAddition.received_at)
    )
    grouped: dict[str, list[ReportAddition]] = {}
    for row in rows:
        grouped.setdefault(row.report_id, []).append(row)
    return grouped
