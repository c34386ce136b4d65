"""How long reporters' contact details are kept (`TAKEDOWN_REPORTER_CONTACT_RETENTION_DAYS`).

A reporter's name, email address and signature are needed while their case is open: to
acknowledge, to tell them the decision, to take their appeal, to name a victim in the CyberTipline
report. After that they are personal data kept for nothing, often a victim's. So once a case has
been closed for the retention period (never less than the appeal window), its reports' contact
details are erased, with the copy a reporter's appeal keeps and the addresses on the emails sent
about it; the report itself (category,
content, explanation, police reference, times) stays as the record of what was reported.

Not erased while the case is open or appealed, while its evidence is on legal hold, or while a
CyberTipline report of the case is not finished (its victim details come from the reports). What
NCMEC was sent stays in the filing record, which the law requires to be kept. Under the same
conditions, without the wait, a reporter may erase their own from the tracking page.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record
from takedown.cases.models import Appeal, Case, CaseStatus
from takedown.errors import Conflict
from takedown.evidence.models import EvidencePackage
from takedown.jobs.runner import PeriodicJob
from takedown.ncmec.service import report_still_owed
from takedown.notify.models import Notification, NotificationStatus
from takedown.reports.models import Report
from takedown.settings import Settings
from takedown.store.db import erase_from_files, session_scope

BATCH = 1_000
ERASED = "(erased)"
LINKS_EMAIL = "tracking_links"  # reports.lost_links: one email listing an address's reports
# A report that still has contact details (reports.models.CONTACT_KEPT_WHERE, whose partial
# index holds just these reports)...
CONTACT_KEPT = (
    Report.contact_erased_at.is_(None),
    or_(
        Report.reporter_name.is_not(None),
        Report.reporter_email.is_not(None),
        Report.signature.is_not(None),
    ),
)
# ... may lose them once its case is decided, closed (no appeal open), with no evidence on legal
# hold and no CyberTipline report still being filed.
CASE_DONE_WITH = (
    Case.status.in_([CaseStatus.ACTION_TAKEN.value, CaseStatus.NO_ACTION.value]),
    ~exists().where(EvidencePackage.case_id == Case.id, EvidencePackage.legal_hold.is_(True)),
    ~report_still_owed(Case.id),  # a withdrawn filing (the decision overturned) owes none
)
ERASABLE = (*CONTACT_KEPT, Case.id == Report.case_id, *CASE_DONE_WITH)


def erase_expired_contacts(settings: Settings) -> int:
    """Erase the contact details of reports whose case closed before the retention period; how
    many reports were erased."""
    if settings.reporter_contact_retention_days <= 0:
        return 0
    days = max(settings.reporter_contact_retention_days, settings.appeal_window_days)
    cutoff = clock.now() - timedelta(days=days)
    erased = 0
    after = ""
    while True:
        with session_scope(settings.resolved_database_url) as db_session:
            # The reports with contact details first (their partial index), then which of their
            # cases are done with them: joined in one statement, SQLite went through every
            # closed case ever instead.
            kept = db_session.execute(
                select(Report.id, Report.case_id, Report.reporter_email)
                .where(*CONTACT_KEPT, Report.id > after)
                .order_by(Report.id)
                .limit(BATCH)
            ).all()
            if not kept:
                break
            after = kept[-1][0]
            done = set(
                db_session.scalars(
                    select(Case.id).where(
                        Case.id.in_(sorted({case_id for _, case_id, _ in kept})),
                        Case.closed_at < cutoff,
                        *CASE_DONE_WITH,
                    )
                )
            )
            rows = [row for row in kept if row[1] in done]
            if not rows:
                continue
            ids = [report_id for report_id, _, _ in rows]
            erase_contacts(db_session, [(case_id, email) for _, case_id, email in rows], ids)
            record(
                db_session=db_session,
                actor="system",
                action="reports.contact_erased",
                subject="reports",
                details={
                    "reports": len(ids),
                    "cases": sorted({case_id for _, case_id, _ in rows}),
                    "closed_before": cutoff.isoformat(),
                    "retention_days": days,
                },
            )
        erased += len(ids)
    if erased:
        erase_from_files(settings.resolved_database_url)
    return erased


def erase_contacts(
    db_session: Session, sent: list[tuple[str, str | None]], report_ids: list[str]
) -> None:
    """Erase these reports' name, email and signature, the address their reporters' appeals
    copied from them, and the addresses on the emails sent about their cases to them (`sent`:
    case id and email pairs); one still unsent never will be."""
    db_session.execute(
        update(Report)
        .where(Report.id.in_(report_ids))
        .values(reporter_name=None, reporter_email=None, signature=None)
        .values(contact_erased_at=clock.now())
    )
    # A reporter's appeal from the tracking page keeps its own copy of the address.
    appealed = db_session.execute(
        select(Appeal.case_id, Appeal.contact_email).where(
            Appeal.report_id.in_(report_ids), Appeal.contact_email.is_not(None)
        )
    ).all()
    if appealed:
        db_session.execute(
            update(Appeal).where(Appeal.report_id.in_(report_ids)).values(contact_email=None)
        )
    addresses = {(case_id, email) for case_id, email in [*sent, *appealed] if email}
    for case_id, email in addresses:
        # The emails about the case, and any of the address's lost-links emails (no case).
        about = or_(
            Notification.case_id == case_id,
            and_(Notification.case_id.is_(None), Notification.kind == LINKS_EMAIL),
        )
        sent_to = (about, Notification.recipient == email)
        db_session.execute(
            update(Notification)
            .where(*sent_to, Notification.status == NotificationStatus.PENDING.value)
            .values(status=NotificationStatus.FAILED.value, last_error="address erased")
        )
        # The key that kept an email from going twice names the address too.
        erased: dict[str, object] = {
            "recipient": ERASED,
            "body": "",
            "payload": {},
            "dedupe_key": None,
        }
        db_session.execute(update(Notification).where(*sent_to).values(**erased))


def reporter_may_erase(db_session: Session, report: Report) -> bool:
    """Whether the reporter may erase their own contact details now (the tracking page): as the
    retention job would, without waiting out the period."""
    return bool(db_session.scalar(select(exists().where(Report.id == report.id, *ERASABLE))))


def erase_at_reporters_request(db_session: Session, report: Report) -> None:
    """Erase the report's contact details now, as its reporter asked (audited)."""
    # Its reporter is not told whether its case was decided, so it is refused whatever the state
    # (intimate imagery is withdrawn instead, reports.withdrawal).
    if report.case_hidden:
        raise Conflict(
            "a report by fingerprint alone is not erased on request", code="sealed_erasure"
        )
    if not reporter_may_erase(db_session, report):
        raise Conflict(
            "these contact details are still needed for the case", code="contact_still_needed"
        )
    erase_contacts(db_session, [(report.case_id, report.reporter_email)], [report.id])
    record(
        db_session=db_session,
        actor="public",
        action="reports.contact_erased",
        subject=report.case_id,
        details={"reports": 1, "report_id": report.id, "at_reporters_request": True},
    )


def contact_retention_job() -> PeriodicJob:
    return PeriodicJob("reporter-contact-retention", erase_expired_contacts, 3600.0)
