"""Queue, re-queue and read CyberTipline filings. These functions only write rows: the network
happens in the filing job (`ncmec.scheduled`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, exists, not_, select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record
from takedown.cases.models import CHILD_SAFETY_CATEGORIES, Case, CaseStatus, Outcome
from takedown.errors import Conflict, InvalidInput
from takedown.ids import new_id
from takedown.ncmec.case_report import incident_type_for, is_reportable, violating_decision
from takedown.ncmec.client import environment_of
from takedown.ncmec.models import FilingState, NcmecFile, NcmecFiling
from takedown.review.models import Decision
from takedown.settings import Settings

SYSTEM_ACTOR = "system:ncmec"


def note(filing: NcmecFiling, event: str, detail: str = "") -> None:
    """Append to the filing's history (a new list, so the JSON column is seen as changed)."""
    entry = {"at": clock.now().isoformat(), "event": event, "detail": detail}
    filing.history = [*(filing.history or []), entry]
    filing.updated_at = clock.now()


def _environment(settings: Settings) -> str:
    # Never fail the decision's transaction over configuration: the job refuses to send and
    # says why (see client.check_environment).
    try:
        return environment_of(settings).value
    except InvalidInput:
        return settings.ncmec_environment.strip().lower()[:20] or "unknown"


def latest_filing(*, db_session: Session, case_id: str) -> NcmecFiling | None:
    return db_session.scalar(
        select(NcmecFiling)
        .where(NcmecFiling.case_id == case_id)
        .order_by(NcmecFiling.created_at.desc(), NcmecFiling.id.desc())
        .limit(1)
    )


def _new_filing(
    *,
    db_session: Session,
    settings: Settings,
    case: Case,
    decision: Decision | None,
    actor: str,
) -> NcmecFiling:
    now = clock.now()
    filing = NcmecFiling(
        id=new_id("ncm"),
        case_id=case.id,
        decision_id=decision.id if decision else None,
        environment=_environment(settings),
        state=FilingState.PENDING.value,
        requested_by=actor,
        attempts=0,
        next_attempt_at=now,
        retracted_report_ids=[],
        history=[],
        created_at=now,
        updated_at=now,
    )
    note(filing, "queued", f"by {actor}; environment {filing.environment}")
    db_session.add(filing)
    db_session.flush()
    record(
        db_session=db_session,
        actor=actor,
        action="ncmec.queued",
        subject=case.id,
        details={"filing_id": filing.id, "decision_id": filing.decision_id},
    )
    return filing


def queue_report(
    *, db_session: Session, settings: Settings, case: Case, decision: Decision
) -> NcmecFiling | None:
    """Queue the CyberTipline report a violating child-safety decision requires.

    Runs in the decision's transaction and only writes rows. Idempotent: a case already queued
    or filed keeps its filing. Returns None when the decision needs no report.
    """
    if decision.outcome != Outcome.VIOLATING or not is_reportable(case):
        return None
    existing = latest_filing(db_session=db_session, case_id=case.id)
    if existing is not None:
        return existing
    return _new_filing(
        db_session=db_session, settings=settings, case=case, decision=decision, actor=SYSTEM_ACTOR
    )


def request_filing(
    *, db_session: Session, settings: Settings, case: Case, actor: str
) -> tuple[NcmecFiling, bool]:
    """A person (legal) asks to file now. Returns (filing, created_or_requeued).

    A failed filing is re-queued from scratch; one on its way is returned as it is; a finished
    one is a Conflict (NCMEC already has it).
    """
    incident_type_for(case)  # NotReportable (409) for cases NCMEC does not take
    existing = latest_filing(db_session=db_session, case_id=case.id)
    if existing is not None and existing.state == FilingState.FINISHED:
        raise Conflict(
            f"already reported to NCMEC (CyberTipline report {existing.ncmec_report_id})",
            code="ncmec_already_filed",
        )
    if existing is not None and existing.state in (FilingState.PENDING, FilingState.SENT):
        return existing, False
    unconfirmed = without_finding(case)
    if existing is not None:
        existing.state = FilingState.PENDING.value
        existing.attempts = 0
        existing.next_attempt_at = clock.now()
        existing.environment = _environment(settings)
        existing.requested_by = actor
        note(existing, "requeued", f"by {actor}; environment {existing.environment}")
        if unconfirmed:
            note(
                existing, "filed_without_finding", f"filed by hand while the case was {unconfirmed}"
            )
        record(
            db_session=db_session,
            actor=actor,
            action="ncmec.requeued",
            subject=case.id,
            details={"filing_id": existing.id},
        )
        return existing, True
    decision = violating_decision(db_session=db_session, case_id=case.id)
    filing = _new_filing(
        db_session=db_session, settings=settings, case=case, decision=decision, actor=actor
    )
    if unconfirmed:
        note(filing, "filed_without_finding", f"filed by hand while the case was {unconfirmed}")
    return filing, True


def without_finding(case: Case) -> str | None:
    """Where a report filed by hand is not backed by a reviewers' child-safety finding: the
    case's decision state in words ("undecided", "closed with no violation ..."); None when
    a final violating decision found child sexual abuse or exploitation."""
    if case.status == CaseStatus.ACTION_TAKEN and case.category in CHILD_SAFETY_CATEGORIES:
        return None
    if case.status == CaseStatus.NO_ACTION:
        two = " by two child-safety reviewers" if case.is_child_safety else ""
        return f"closed with no violation{two}"
    if case.status == CaseStatus.ACTION_TAKEN:
        kind = case.category.replace("_", " ")
        return f"closed as a violation of another kind ({kind}), not child sexual abuse"
    if case.status == CaseStatus.APPEALED:
        return "under appeal"
    return f"undecided ({case.status.replace('_', ' ')})"


def filings_for_case(*, db_session: Session, case_id: str) -> list[NcmecFiling]:
    return list(
        db_session.scalars(
            select(NcmecFiling)
            .where(NcmecFiling.case_id == case_id)
            .order_by(NcmecFiling.created_at.desc(), NcmecFiling.id.desc())
        )
    )


def files_of(*, db_session: Session, filing_id: str) -> list[NcmecFile]:
    return list(
        db_session.scalars(
            select(NcmecFile).where(NcmecFile.filing_id == filing_id).order_by(NcmecFile.id)
        )
    )


def describe(*, db_session: Session, filing: NcmecFiling) -> dict[str, Any]:
    """The filing as the staff API and the CLI show it."""
    files = files_of(db_session=db_session, filing_id=filing.id)
    current = [f for f in files if f.ncmec_report_id == filing.ncmec_report_id]
    return {
        "id": filing.id,
        "case_id": filing.case_id,
        "decision_id": filing.decision_id,
        "state": filing.state,
        "environment": filing.environment,
        "requested_by": filing.requested_by,
        "ncmec_report_id": filing.ncmec_report_id,
        "file_ids": [f.file_id for f in current],
        "files": [
            {
                "ncmec_report_id": f.ncmec_report_id,
                "file_id": f.file_id,
                "filename": f.filename,
                "md5": f.md5,
                "details_sent": f.details_sent,
                "uploaded_at": f.uploaded_at,
            }
            for f in files
        ],
        "receipt_xml": filing.receipt_xml,
        "finished_at": filing.finished_at,
        "attempts": filing.attempts,
        "next_attempt_at": filing.next_attempt_at,
        "last_error": filing.last_error,
        "last_response_code": filing.last_response_code,
        "retracted_report_ids": filing.retracted_report_ids or [],
        "history": filing.history or [],
        "created_at": filing.created_at,
        "updated_at": filing.updated_at,
    }


def withdraw_report(
    *, db_session: Session, case: Case, actor: str, reason: str
) -> NcmecFiling | None:
    """Stop a filing that is not finished at NCMEC (e.g. the decision was overturned on appeal).

    A `pending` or `failed` filing stays `failed`, unscheduled, with the reason. A report open at
    NCMEC (`sent`) is retracted: NCMEC lets a reporter cancel until /finish (API documentation
    6.5), so the filing is marked withdrawn and scheduled now; the job (or the one sending it,
    which checks before every upload and before /finish) retracts it and files nothing again.
    A finished report cannot be retracted and is returned unchanged.
    """
    filing = latest_filing(db_session=db_session, case_id=case.id)
    if filing is None or filing.state == FilingState.FINISHED:
        return filing
    open_at_ncmec = filing.ncmec_report_id is not None
    filing.state = FilingState.FAILED.value
    filing.next_attempt_at = clock.now() if open_at_ncmec else None
    filing.last_error = f"{WITHDRAWN}{reason}"
    filing.last_response_code = None
    note(filing, "withdrawn", f"by {actor}: {reason}")
    record(
        db_session=db_session,
        actor=actor,
        action="ncmec.withdrawn",
        subject=case.id,
        details={"filing_id": filing.id, "reason": reason},
    )
    return filing


def is_withdrawn(filing: NcmecFiling) -> bool:
    return (filing.last_error or "").startswith(WITHDRAWN)


WITHDRAWN = "withdrawn: "  # the last_error of a withdrawn filing: no report is owed any more


def report_still_owed(case_id: Any) -> ColumnElement[bool]:
    """SQL: the case (`case_id`, a column or a value) has a CyberTipline report not finished
    and not withdrawn: queued, on its way, or failed (to be filed again by a person)."""
    withdrawn = and_(
        NcmecFiling.state == FilingState.FAILED.value,
        NcmecFiling.last_error.startswith(WITHDRAWN, autoescape=True),
    )
    return exists().where(
        NcmecFiling.case_id == case_id,
        NcmecFiling.state != FilingState.FINISHED.value,
        not_(withdrawn),
    )
