"""Quality checks: `GET /v1/quality`, `POST /v1/quality/{id}` (staff token) and the console's
Quality page with its blind check page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from takedown import clock
from takedown.api.deps import DB_SESSION, get_settings
from takedown.auth.models import Role, User
from takedown.auth.users import has_role
from takedown.cases.models import CHILD_SAFETY_CATEGORIES
from takedown.console.auth import ConsoleUser, require_console_user
from takedown.console.views import FIELD_OF_REFUSAL, POLICIES, usernames_of, what_was_reported
from takedown.errors import TakedownError
from takedown.quality import service
from takedown.quality.models import QualityCheck
from takedown.review import referrals
from takedown.review.models import POLICY_CATEGORIES, Classification
from takedown.review.schemas import DecisionIn
from takedown.review.views import staff_user
from takedown.settings import Settings
from takedown.web.templating import render

router = APIRouter()
RATES_DAYS = 90  # agreement over the last this many days
reviewer = require_console_user(Role.REVIEWER)
NOTICES = {
    "agreed": "Recorded: your decision agrees with the sampled one.",
    "disagreed": (
        "Recorded: your decision differs from the sampled one (below, under Disagreements)."
    ),
    "referred": (
        "Referred to child-safety review: a child-safety reviewer decides it. The check waits "
        "for another checker."
    ),
}


class CheckOut(BaseModel):
    check_id: str
    case_id: str
    sampled_at: str
    status: str
    # Shown only once the check is done, so the checker decides blind.
    decided_outcome: str | None = None
    decided_category: str | None = None
    outcome: str | None = None
    policy: str | None = None
    agrees: bool | None = None
    appeal_id: str | None = None
    not_reopened_because: str | None = None
    referred_case_id: str | None = None

    @classmethod
    def of(cls, check: QualityCheck) -> CheckOut:
        done = check.checked_at is not None
        return cls(
            check_id=check.id,
            case_id=check.case_id,
            sampled_at=check.sampled_at.isoformat(),
            status=check.status,
            decided_outcome=check.decided_outcome if done else None,
            decided_category=check.decided_category if done else None,
            outcome=check.outcome,
            policy=check.policy,
            agrees=check.agrees,
            appeal_id=check.appeal_id,
            not_reopened_because=check.not_reopened_because,
            referred_case_id=check.referred_case_id,
        )


def _rates(found: service.Agreement, *, usernames: dict[str, str] | None) -> dict[str, Any]:
    def tally(t: service.Tally) -> dict[str, Any]:
        return {"checked": t.checked, "agreed": t.agreed, "rate": t.rate}

    return {
        "since": found.since.isoformat(),
        "overall": tally(found.overall),
        "by_category": {name: tally(t) for name, t in sorted(found.by_category.items())},
        # Per reviewer only for admins: a lead's coaching tool, not a league table.
        "by_reviewer": None
        if usernames is None
        else {usernames.get(uid, uid): tally(t) for uid, t in sorted(found.by_reviewer.items())},
        "waiting": found.waiting,
    }


@router.get("/v1/quality", tags=["staff: cases and review"])
def quality_api(
    user: User = Depends(staff_user),
    db_session: Session = DB_SESSION,
) -> dict[str, Any]:
    """The quality checks waiting that you may do (cases you made no decision on), and the last
    90 days' agreement between sampled decisions and their checks: overall, by category, and
    (admins) by reviewer."""
    found = service.agreement(db_session, since=clock.now() - timedelta(days=RATES_DAYS))
    names = (
        usernames_of(db_session, set(found.by_reviewer))
        if has_role(user.role, Role.ADMIN)
        else None
    )
    return {
        "waiting": [CheckOut.of(c).model_dump() for c in service.waiting_for(db_session, user)],
        "agreement": _rates(found, usernames=names),
        "disagreements": [CheckOut.of(c).model_dump() for c in found.disagreements[:50]],
    }


@router.post("/v1/quality/{check_id}", tags=["staff: cases and review"])
def record_check_api(
    check_id: str,
    body: DecisionIn,
    request: Request,
    user: User = Depends(staff_user),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> CheckOut:
    """Your own decision on a sampled case (as `POST /v1/cases/{id}/decisions` takes it), made
    without seeing the sampled one; the answer says whether the two agree and, if not, the
    appeal that reopened the case (or why it was not reopened) and the case it referred to
    child-safety review (`referred_case_id`)."""
    check = service.record_check(
        db_session=db_session,
        settings=settings,
        check_id=check_id,
        checker=user,
        index=getattr(request.app.state, "index", None),
        outcome=body.outcome,
        policy=body.policy,
        reason=body.reason,
        classification=body.classification,
    )
    db_session.commit()
    return CheckOut.of(check)


@router.get("/console/quality", response_class=HTMLResponse, include_in_schema=False)
def quality_page(
    request: Request,
    me: ConsoleUser = Depends(reviewer),
    db_session: Session = DB_SESSION,
) -> HTMLResponse:
    found = service.agreement(db_session, since=clock.now() - timedelta(days=RATES_DAYS))
    admin = has_role(me.role, Role.ADMIN)
    names = usernames_of(
        db_session,
        (set(found.by_reviewer) if admin else set())
        | {c.checked_by for c in found.disagreements if c.checked_by},
    )
    return render(
        request,
        "quality/quality.html",
        {
            "me": me,
            "waiting": service.waiting_for(db_session, me.user),
            "found": found,
            "days": RATES_DAYS,
            "by_reviewer": admin,
            "usernames": names,
            "notice": NOTICES.get(request.query_params.get("notice", "")),
        },
    )


def _check_page(
    request: Request,
    me: ConsoleUser,
    db_session: Session,
    check_id: str,
    *,
    error: str | None = None,
    status_code: int = 200,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    check, case = service.get_check(db_session, check_id, me.user)
    may_check: str | None = None
    try:
        service.ensure_may_check(db_session, check, me.user)
    except TakedownError as exc:
        may_check = exc.detail
    shown = what_was_reported(db_session, request.app.state.settings, case, viewer=me.user)
    child_safety = has_role(me.role, Role.CHILD_SAFETY_REVIEWER)
    return render(
        request,
        "quality/check.html",
        {
            "me": me,
            "check": check,
            "case": case,
            "cannot_check": may_check,
            "reported_as": sorted({r.category for r in shown["reports"]}),
            **shown,
            # The case page's rule: only child-safety reviewers make a child-safety finding.
            "policies": POLICIES
            if child_safety
            else [p for p in POLICIES if POLICY_CATEGORIES[p] not in CHILD_SAFETY_CATEGORIES],
            "classifications": [c.value for c in Classification],
            "may_refer": not child_safety and referrals.may_refer(case),
            "child_safety_categories": sorted(CHILD_SAFETY_CATEGORIES),
            # A reveal from this page comes back to it, never to the case page (it is blind).
            "back_to": f"/console/quality/{quote(check.id)}",
            "form": form or {},
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/console/quality/{check_id}", response_class=HTMLResponse, include_in_schema=False)
def check_page(
    request: Request,
    check_id: str,
    me: ConsoleUser = Depends(reviewer),
    db_session: Session = DB_SESSION,
) -> HTMLResponse:
    """The case as it was reported, without its status, decisions or notes: decide it blind."""
    return _check_page(request, me, db_session, check_id)


@router.post("/console/quality/{check_id}", include_in_schema=False)
def record_check_form(
    request: Request,
    check_id: str,
    outcome: str = Form(""),
    policy: str = Form(""),
    reason: str = Form(""),
    classification: str = Form(""),
    me: ConsoleUser = Depends(reviewer),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> Response:
    try:
        check = service.record_check(
            db_session=db_session,
            settings=settings,
            check_id=check_id,
            checker=me.user,
            index=getattr(request.app.state, "index", None),
            outcome=outcome,
            policy=policy,
            reason=reason,
            classification=classification or None,
        )
    except TakedownError as exc:
        db_session.rollback()
        typed = {"outcome": outcome, "policy": policy, "reason": reason}
        return _check_page(
            request,
            me,
            db_session,
            check_id,
            error=exc.detail,
            status_code=exc.status,
            form=typed
            | {"classification": classification, "invalid": FIELD_OF_REFUSAL.get(exc.code, "")},
        )
    db_session.commit()
    notice = "agreed" if check.agrees else "disagreed"
    return RedirectResponse(
        f"/console/quality?notice={notice}&check={quote(check.id)}", status_code=303
    )


@router.post("/console/quality/{check_id}/referral", include_in_schema=False)
def refer_from_check(
    request: Request,
    check_id: str,
    category: str = Form(""),
    subject_is_minor: str = Form(""),
    reason: str = Form(""),
    me: ConsoleUser = Depends(reviewer),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> Response:
    """A checker who may not find child sexual abuse or exploitation refers the case, from the
    blind page (review/referrals.py); the check waits for a child-safety reviewer."""
    try:
        check, case = service.get_check(db_session, check_id, me.user)
        service.ensure_may_check(db_session, check, me.user)
        referrals.refer_to_child_safety(
            db_session=db_session,
            settings=settings,
            index=getattr(request.app.state, "index", None),
            case_id=case.id,
            reviewer=me.user,
            category=category,
            subject_is_minor=subject_is_minor == "yes",
            reason=f"Quality check {check.id}, deciding blind: {reason.strip()}"
            if reason.strip()
            else "",
        )
    except TakedownError as exc:
        db_session.rollback()
        typed = {"referral_reason": reason, "referral_category": category}
        return _check_page(
            request, me, db_session, check_id, error=exc.detail, status_code=exc.status, form=typed
        )
    db_session.commit()
    return RedirectResponse("/console/quality?notice=referred", status_code=303)
