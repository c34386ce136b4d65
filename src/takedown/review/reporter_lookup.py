"""Finding a reporter's reports by the email address they gave.

A mother calls platform support: "I reported my son's pictures last week, what happened?" She
has lost the tracking link and does not know the reference. Staff look up her address: her
reports, each with its case, newest first. Child-safety cases are listed only for child-safety
reviewers and above; others are told how many, to hand over. Every lookup is audited with a keyed
hash of the address (HMAC-SHA-256 under the installation's address key, addresses.py): not the
address, and not a plain hash anyone reading the log could check a guess against. Addresses
are erased a year after a case closes (reports/retention.py), and then a lookup finds nothing,
as it should.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.addresses import address_hash
from takedown.audit.service import record
from takedown.auth.models import User
from takedown.cases.models import Case
from takedown.errors import InvalidInput
from takedown.review.service import may_see_case
from takedown.settings import Settings

if TYPE_CHECKING:
    from takedown.reports.models import Report

REPORTS_SHOWN = 50


@dataclass(frozen=True)
class ReportOfReporter:
    report: Report
    case: Case


@dataclass
class ReporterLookup:
    email: str
    reports: list[ReportOfReporter] = field(default_factory=list)
    hidden_reports: int = 0  # on child-safety cases the user may not see


def looks_like_email(text: str) -> bool:
    name, at, domain = text.strip().partition("@")
    return bool(name and at and "." in domain and " " not in text.strip())


def look_up_reporter(
    db_session: Session, *, settings: Settings, email: str, user: User
) -> ReporterLookup:
    """The reports made with this email address (newest first), with their cases; audited."""
    from takedown.reports.models import Report

    email = email.strip().lower()
    if not looks_like_email(email):
        raise InvalidInput("give the reporter's email address", code="invalid_email")
    found = ReporterLookup(email=email)
    rows = db_session.execute(
        select(Report, Case)
        .join(Case, Case.id == Report.case_id)
        .where(Report.reporter_email == email)
        .order_by(Report.received_at.desc())
        .limit(REPORTS_SHOWN)
    ).all()
    for report, case in rows:
        if may_see_case(user.role, case):
            found.reports.append(ReportOfReporter(report, case))
        else:
            found.hidden_reports += 1
    record(
        db_session=db_session,
        actor=f"user:{user.id}",
        action="reports.looked_up_by_email",
        # Keyed (the installation's address key): a plain SHA-256 would let anyone reading the
        # log confirm a guessed address; this one only staff with the key can match.
        subject=f"email-hmac:{address_hash(settings, email)}",
        details={"found": len(rows)},
    )
    return found
