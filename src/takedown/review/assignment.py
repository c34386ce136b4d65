"""Leads route cases to reviewers: the Spanish reader, the law-enforcement liaison, the most
experienced child-safety reviewer for a P0 at 3 a.m.

An assignment puts the case in the assignee's "mine" queue and on the case page ("assigned to
X"). Unlike a claim it does not lapse after TAKEDOWN_CLAIM_MINUTES and does not keep others from
the case: it routes, it does not lock. A case is assigned only to an enabled reviewer who may see
it and may decide it now (not the first reviewer of a second review, not the reviewer a re-reported
post's fresh-eyes rule keeps out), so a lead cannot route a case to someone the rules would
refuse. Administrators assign; every assignment and unassignment is audited.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record
from takedown.auth.models import Role, User
from takedown.auth.users import get_user_by_username, has_role
from takedown.cases.models import CLOSED_STATUSES, OPEN_STATUSES, Case, CaseStatus
from takedown.cases.service import locked_case
from takedown.errors import Conflict, Forbidden, InvalidInput, NotFound
from takedown.review.service import found_no_violation_before, gave_the_first_look, may_see_case


def assign_case(*, db_session: Session, case_id: str, lead: User, username: str | None) -> Case:
    """Assign the case to `username`, or unassign it (None)."""
    if not has_role(lead.role, Role.ADMIN):
        raise Forbidden("administrators assign cases", code="admin_only")
    case = locked_case(db_session=db_session, case_id=case_id)
    if case.status in CLOSED_STATUSES:
        raise Conflict("the case is closed", code="case_closed")
    assignee = None
    if username:
        assignee = get_user_by_username(db_session=db_session, username=username.strip())
        if assignee is None or assignee.disabled:
            raise NotFound(f"no enabled staff user {username!r}", code="user_not_found")
        _ensure_may_decide(db_session, case, assignee)
    before = case.assigned_to
    case.assigned_to = assignee.id if assignee else None
    case.assigned_at = clock.now() if assignee else None
    record(
        db_session=db_session,
        actor=f"user:{lead.id}",
        action="case.assigned" if assignee else "case.unassigned",
        subject=case.id,
        details={"to": case.assigned_to, "from": before},
    )
    return case


def assigned_count(db_session: Session, user_id: str) -> int:
    """Open cases assigned to this reviewer: what every queue page they open tells them."""
    return int(
        db_session.scalar(
            select(func.count()).where(
                Case.assigned_to == user_id,
                Case.status.in_([s.value for s in OPEN_STATUSES]),
            )
        )
        or 0
    )


def _ensure_may_decide(db_session: Session, case: Case, assignee: User) -> None:
    if not has_role(assignee.role, Role.REVIEWER) or not may_see_case(assignee.role, case):
        raise InvalidInput(
            f"{assignee.username} may not see this case", code="assignee_may_not_decide"
        )
    if case.status == CaseStatus.SECOND_REVIEW and gave_the_first_look(
        db_session=db_session, case=case, user_id=assignee.id
    ):
        raise InvalidInput(
            f"{assignee.username} gave the first look; the second review needs someone else",
            code="assignee_may_not_decide",
        )
    if found_no_violation_before(db_session, case, assignee.id):
        raise InvalidInput(
            f"{assignee.username} found no violation when this post was last reported",
            code="assignee_may_not_decide",
        )
