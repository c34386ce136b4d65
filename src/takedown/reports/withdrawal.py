"""An intimate-imagery reporter withdraws a report by fingerprint alone (as StopNCII.org lets a
person withdraw their case): their fingerprints are no longer looked for, and their name, email
and signature are erased.

What the reporter sees afterwards is the same whether or not anything had matched: the page says
"withdrawn" either way, and nothing the fingerprints already found is undone (a case a match
opened stays with its reviewers, who see the withdrawal; what they decide is not told to the
reporter, as before). A watching case (nothing found) whose every report is withdrawn closes as
`withdrawn`. A fingerprint another report also sent stays looked for, for that report.

Reports of child sexual abuse material cannot be withdrawn: the platform must act on such
imagery whoever asks, and a child can be pressed to ask.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record
from takedown.banks import service as banks
from takedown.banks.models import Bank, BankEntry
from takedown.cases.models import Case, CaseStatus, Category
from takedown.cases.service import set_status
from takedown.errors import Conflict
from takedown.reports.fingerprints import ACTOR as FINGERPRINT_BANKS_ACTOR
from takedown.reports.fingerprints import STANDING
from takedown.reports.models import Report, ReportFingerprint
from takedown.reports.retention import erase_contacts


def can_withdraw(report: Report) -> bool:
    return (
        report.by_fingerprint_alone
        and report.category == Category.NON_CONSENSUAL_INTIMATE_IMAGERY.value
        and report.withdrawn_at is None
    )


def withdraw(*, db_session: Session, report: Report, case: Case) -> datetime:
    """Withdraw `report` (its `case` locked by the caller); when it was withdrawn. A report
    already withdrawn is left as it is."""
    if report.withdrawn_at is not None:
        return report.withdrawn_at
    if not can_withdraw(report):
        raise Conflict(
            "only a report of intimate imagery by fingerprint alone can be withdrawn",
            code="not_withdrawable",
        )
    report.withdrawn_at = clock.now()
    erase_contacts(db_session, [(case.id, report.reporter_email)], [report.id])
    db_session.flush()
    disabled = _stop_looking(db_session, report)
    record(
        db_session=db_session,
        actor="public",
        action="report.withdrawn",
        subject=case.id,
        details={"report_id": report.id, "bank_entries_disabled": disabled},
    )
    standing = exists().where(Report.case_id == case.id, Report.withdrawn_at.is_(None))
    if case.status == CaseStatus.WATCHING and not db_session.scalar(select(standing)):
        set_status(
            db_session=db_session,
            case=case,
            status=CaseStatus.WITHDRAWN,
            actor="public",
            details={"report_id": report.id},
        )
    return report.withdrawn_at


def _stop_looking(db_session: Session, report: Report) -> list[int]:
    """Disable the report's bank entries that no report still standing also sent."""
    entry_ids = {
        entry_id
        for entry_id in db_session.scalars(
            select(ReportFingerprint.bank_entry_id).where(
                ReportFingerprint.report_id == report.id,
                ReportFingerprint.bank_entry_id.is_not(None),
            )
        )
        if entry_id is not None
    }
    still_sent = set(
        db_session.scalars(
            select(ReportFingerprint.bank_entry_id)
            .join(Report, STANDING)
            .where(ReportFingerprint.bank_entry_id.in_(entry_ids))
        )
    )
    disabled = []
    for entry_id in sorted(entry_ids - still_sent):
        entry = db_session.get(BankEntry, entry_id)
        if entry is None or not entry.enabled:
            continue
        bank = db_session.get_one(Bank, entry.bank_id)
        banks.set_entry_enabled(
            db_session=db_session,
            bank_name=bank.name,
            entry_id=entry_id,
            enabled=False,
            actor=FINGERPRINT_BANKS_ACTOR,
        )
        disabled.append(entry_id)
    return disabled
