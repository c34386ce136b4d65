"""The reviewer console: login, queues, case pages, reveal, claims, decisions, appeals."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.accounts import service as accounts
from takedown.api.deps import DB_SESSION, DatabaseId, get_settings
from takedown.audit.service import AuditQuery, find, record
from takedown.audit.views import actor_names
from takedown.auth.models import Role, User
from takedown.auth.users import has_role
from takedown.cases import notes
from takedown.cases.models import (
    CHILD_SAFETY_CATEGORIES,
    CLOSED_STATUSES,
    Appeal,
    AppealStatus,
    Case,
    CaseMedia,
    CaseStatus,
    Category,
)
from takedown.cases.service import (
    case_appeals,
    case_media,
    case_priority_facts,
    case_reports,
    priority_reasons,
)
from takedown.console.auth import (
    PLAYBACK_MINUTES,
    ConsoleUser,
    current_console_user,
    playback_ticket,
    require_console_user,
    valid_playback_ticket,
)
from takedown.console.media import (
    blurred_preview,
    original_for_reveal,
    playable_video,
    video_for_player,
    working_copy_kept,
)
from takedown.enforcement import account_sweep, copy_search
from takedown.enforcement.flows import copies_for
from takedown.enforcement.held_uploads import held_uploads
from takedown.enforcement.removal_checks import removal_state
from takedown.errors import Forbidden, InvalidInput, NotFound, TakedownError
from takedown.i18n import language_name, languages
from takedown.quality import service as quality
from takedown.reports.additions import additions_of
from takedown.reports.fingerprints import fingerprints_by_report
from takedown.reports.models import OWN_INITIATIVE
from takedown.review import assignment, flows, referrals, service
from takedown.review.content_lookup import look_up_content
from takedown.review.exposure import exposure_of
from takedown.review.metrics import REVEALS
from takedown.review.models import POLICY_CATEGORIES, Classification, Policy
from takedown.review.reporter_lookup import look_up_reporter, looks_like_email
from takedown.scan.models import ContentItem
from takedown.settings import Settings
from takedown.signals.keypoints import PDQ_CROP
from takedown.signals.registry import SIGNAL_TYPES
from takedown.signals.service import distinct_originals
from takedown.store.db import erase_from_files
from takedown.web.templating import render

# What each signal type's match means, for the case page's match lines.
SIGNAL_WORDS = {name: signal_type.description for name, signal_type in SIGNAL_TYPES.items()}

router = APIRouter(prefix="/console", include_in_schema=False)
STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_TYPES = {".js": "text/javascript", ".css": "text/css"}
reviewer = require_console_user(Role.REVIEWER)

NOTICES = {
    "decided": "Decision recorded.",
    "assigned": "Assignment saved: the case waits in the reviewer's 'mine' queue.",
    "unassigned": "Unassigned: the case is in nobody's 'mine' queue, only in the shared queues.",
    "referred": (
        "Referred to child-safety review: the case now has the category, priority and deadline "
        "of what you saw, and is in the child-safety reviewers' queues."
    ),
    "second_review": (
        "Decision recorded. Two-person rule: the case is now in second review and needs a "
        "different child-safety reviewer."
    ),
    "claimed": "You claimed this case.",
    "noted": "Note added.",
    "note_redacted": "Note redacted: its text is erased; who redacted it, when and why remain.",
    "appeal_decided": "Appeal decision recorded.",
    "appeal_recorded": "The uploader's appeal is recorded; a reviewer who did not decide the case "
    "will decide it.",
    "appeal_first": (
        "Recorded. Overturning a child-safety removal needs a second appeal reviewer."
    ),
    "logged_out": "You are signed out.",
    "timed_out": "Sign in to continue.",
    "sign_in_expired": "The sign-in took too long. Please sign in again.",
    "password_changed": "Password changed. Your other sessions are signed out.",
    "other_sessions_ended": "Your other sessions are signed out.",
    "key_revoked": "Key revoked: every server refuses it within 2 seconds.",
    "staff_role": "Role changed.",
    "staff_disabled": "User disabled: their sessions and staff tokens no longer work.",
    "staff_enabled": "User enabled.",
    "staff_two_factor_reset": (
        "Two-factor sign-in reset and their sessions ended; they set it up again at their next "
        "sign-in."
    ),
    "recovery_code_used": (
        "You signed in with a recovery code, which is now spent. If your phone is lost, ask an "
        "administrator to reset your two-factor sign-in."
    ),
}
POLICIES = [policy.value for policy in Policy]
# The field of a decision form (the case's, an appeal's, a quality check's) that a refusal is
# about: the form shows it again marked invalid and described by the error (WCAG 3.3.1).
FIELD_OF_REFUSAL = {
    "invalid_outcome": "outcome",
    "policy_required": "policy",
    "child_safety_finding": "policy",
    "classification_required": "classification",
    "invalid_classification": "classification",
    "immediate_risk_needs_child_safety_finding": "immediate_risk",
    "immediate_risk_too_long": "immediate_risk",
    "reason_required": "reason",
    "reason_too_long": "reason",
}
BLIND_PAGE = re.compile(r"/console/quality/[A-Za-z0-9_-]+")  # a quality check's page


def page(
    request: Request, name: str, console_user: ConsoleUser | None, status_code: int = 200, **kw: Any
) -> HTMLResponse:
    notice = NOTICES.get(request.query_params.get("notice", ""))
    context = {"me": console_user, "notice": notice, "queues": service.Queue.NAMES, **kw}
    return render(request, f"console/{name}", context, status_code=status_code)


def safe_next(target: str | None) -> str:
    if target and target.startswith("/console") and not target.startswith("//"):
        return target
    return "/console/queue"


@router.get("/static/{name}")
def static(name: str) -> FileResponse:
    path = (STATIC_DIR / name).resolve()
    if path.parent != STATIC_DIR or not path.is_file() or path.suffix not in STATIC_TYPES:
        raise NotFound("no such file")
    return FileResponse(path, media_type=STATIC_TYPES[path.suffix])


@router.get("")
def console_home() -> RedirectResponse:
    return RedirectResponse("/console/queue", status_code=303)


QUEUE_PAGE_SIZE = 200


@router.get("/queue")
def queue_page(
    request: Request,
    queue: str = Query(service.Queue.OPEN),
    status: str | None = Query(None),
    category: str | None = Query(None),
    language: str | None = Query(None, max_length=35),
    after: str | None = Query(None, max_length=1000),
    me: ConsoleUser = Depends(reviewer),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> HTMLResponse:
    found = service.list_queue_page(
        db_session=db_session,
        user=me.user,
        queue=queue,
        status=status or None,
        category=category or None,
        language=language or None,
        limit=QUEUE_PAGE_SIZE,
        after=after or None,
    )
    rows: list[dict[str, Any]] = [
        {
            "case": case,
            "changed_ahead": case.id in found.changed_ahead,
            "overdue": service.is_overdue(case),
            "claimed_by": case.claimed_by
            if service.claim_is_live(settings=settings, case=case)
            else None,
            # The two-person rule refuses them the claim (403): no Claim button.
            "first_look": case.status == CaseStatus.SECOND_REVIEW
            and service.gave_the_first_look(db_session=db_session, case=case, user_id=me.id),
        }
        for case in found.cases
    ]
    names = usernames_of(db_session, {r["claimed_by"] for r in rows if r["claimed_by"]})
    return page(
        request,
        "queue.html",
        me,
        queue=queue,
        status=status,
        category=category or "",
        categories=[c.value for c in Category],
        language=language or "",
        languages=[(tag, language_name(tag)) for tag in languages(settings)],
        rows=rows,
        next_page=found.next,
        paged=bool(after),
        usernames=names,
        exposure=exposure_of(db_session, settings, me.id),
        accounts_waiting=accounts.flagged_count(db_session=db_session),
        assigned_to_me=assignment.assigned_count(db_session, me.id),
    )


def usernames_of(db_session: Session, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    return dict(db_session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())


def _uploader_history(db_session: Session, case: Case, viewer: User) -> dict[str, Any]:
    if not case.account_id:
        return {"account_id": None, "cases": [], "cases_hidden": 0, "blocked": []}
    earlier_all = db_session.scalars(
        select(Case)
        .where(Case.account_id == case.account_id, Case.id != case.id)
        .order_by(Case.created_at.desc())
        .limit(20)
    ).all()
    # Child-safety cases are only counted for a reviewer who may not open them.
    earlier, hidden = service.seen_by(list(earlier_all), viewer)
    blocked = db_session.scalars(
        select(ContentItem)
        .where(ContentItem.account_id == case.account_id, ContentItem.verdict == "block")
        .order_by(ContentItem.scanned_at.desc())
        .limit(20)
    ).all()
    return {
        "account_id": case.account_id,
        "cases": earlier,
        "cases_hidden": hidden,
        "blocked": blocked,
    }


def what_was_reported(
    db_session: Session, settings: Settings, case: Case, *, viewer: User
) -> dict[str, Any]:
    """The template context of what a reviewer decides on: the media, the reports and the
    uploader's history (console/case_media.html, case_reports.html, case_history.html), shared by
    the case page and the blind quality check."""
    reports = case_reports(db_session=db_session, case_id=case.id)
    media = case_media(db_session=db_session, case_id=case.id)
    return {
        "reports": reports,
        "media": media,
        # The working copy is deleted once a case closes (evidence/media.py): a case an appeal
        # or a quality check reopens later has the hashes, not the picture.
        "media_kept": {item.id for item in media if working_copy_kept(settings, item)},
        "signals_shown": {item.id: _signals_to_show(item.signals or []) for item in media},
        "signal_words": SIGNAL_WORDS,
        "written_by_takedown": OWN_INITIATIVE,  # explanations whose case references are links
        "additions": additions_of(db_session=db_session, case_id=case.id),
        "fingerprints": fingerprints_by_report(db_session, case.id),
        "language_names": {r.language: language_name(r.language) for r in reports if r.language},
        "history": _uploader_history(db_session, case, viewer),
    }


def case_page_response(
    request: Request,
    *,
    me: ConsoleUser,
    db_session: Session,
    settings: Settings,
    case: Case,
    error: str | None = None,
    status_code: int = 200,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    """The case page; `form`: what the reviewer typed into a form that was refused, shown again
    (`form["form"]` names the form: "decision" or an appeal's id)."""
    decisions = service.decisions_for(db_session=db_session, case_id=case.id)
    appeals = case_appeals(db_session=db_session, case_id=case.id)
    first_decider = case.status == CaseStatus.SECOND_REVIEW and service.gave_the_first_look(
        db_session=db_session, case=case, user_id=me.id
    )
    claimed_by = case.claimed_by if service.claim_is_live(settings=settings, case=case) else None
    earlier_all = service.earlier_cases_about(db_session, case)
    earlier, earlier_hidden = service.seen_by(earlier_all, me.user)
    mine_before = (
        service.found_no_violation_before(db_session, case, me.id)
        if case.status not in CLOSED_STATUSES
        else None
    )
    removed = copies_for(db_session=db_session, case_id=case.id)
    shown = what_was_reported(db_session, settings, case, viewer=me.user)
    # Oldest first, as a case's story reads; a case's own entries name it as their subject.
    activity = find(db_session=db_session, query=AuditQuery(subject=case.id, limit=500))[::-1]
    case_notes = notes.notes_of(db_session, case.id)
    checks = quality.checks_of(db_session, case.id)
    names = usernames_of(
        db_session,
        {d.reviewer_id for d in decisions}
        | {n.author_id for n in case_notes}
        | {n.redacted_by for n in case_notes if n.redacted_by}
        | {c.checked_by for c in checks if c.checked_by}
        | ({claimed_by} if claimed_by else set())
        | ({case.assigned_to} if case.assigned_to else set()),
    )
    return page(
        request,
        "case.html",
        me,
        status_code=status_code,
        case=case,
        priority_reasons=priority_reasons(
            case_priority_facts(
                db_session=db_session, settings=settings, case=case, reports=shown["reports"]
            )
        ),
        overdue=service.is_overdue(case),
        claimed_by=claimed_by,
        **shown,
        decisions=decisions,
        appeals=appeals,
        copy_search=copy_search.search_status(db_session=db_session, case_id=case.id),
        sweeps=account_sweep.sweeps(db_session, case_id=case.id),
        held=held_uploads(db_session, case),
        notes=case_notes,
        quality_checks=checks,
        removals=[(item, removal_state(item)) for item in removed],
        # Down before anyone decided: a live upload found matching a block bank (live_uploads.py).
        down_before_decision=case.outcome is None
        and any(item.restored_at is None for item in removed),
        usernames=names,
        activity=activity,
        activity_names=actor_names(db_session, activity),
        can_decide=case.status not in CLOSED_STATUSES
        and case.status != CaseStatus.APPEALED
        and not first_decider
        and mine_before is None
        and claimed_by in (None, me.id),
        earlier_cases=earlier,
        earlier_hidden=earlier_hidden,
        reported_again_after_mine=mine_before,
        first_decider=first_decider,
        can_decide_appeals=not service.decided_case_before(
            db_session=db_session, case_id=case.id, user_id=me.id
        ),
        needs_classification=case.category == Category.CHILD_SEXUAL_ABUSE,
        classifications=[c.value for c in Classification],
        policies=POLICIES
        if has_role(me.role, Role.CHILD_SAFETY_REVIEWER)
        else [p for p in POLICIES if POLICY_CATEGORIES[p] not in CHILD_SAFETY_CATEGORIES],
        may_refer=referrals.may_refer(case),
        child_safety_categories=sorted(CHILD_SAFETY_CATEGORIES),
        assignable=_assignable(db_session, case) if has_role(me.role, Role.ADMIN) else [],
        error=error,
        form=form or {},
        case_version=service.case_version(db_session, case),
        # An appeal's first vote to overturn a child-safety removal: the next is the second.
        first_votes={
            d.appeal_id: d for d in decisions if d.appeal_id and not d.final and d.appeal_outcome
        },
        open_appeal_ids={a.id for a in appeals if a.status == AppealStatus.OPEN},
        open_appeal_status=AppealStatus.OPEN.value,
        exposure=exposure_of(db_session, settings, me.id),
    )


def _assignable(db_session: Session, case: Case) -> list[str]:
    """Usernames of the enabled reviewers who may see the case, for a lead's assignment form."""
    users = db_session.scalars(
        select(User).where(User.disabled.is_(False)).order_by(User.username)
    ).all()
    return [
        u.username
        for u in users
        if has_role(u.role, Role.REVIEWER) and service.may_see_case(u.role, case)
    ]


@router.get("/find")
def find_reference(
    reference: str = Query(..., max_length=2000),
    me: ConsoleUser = Depends(reviewer),
    db_session: Session = DB_SESSION,
) -> RedirectResponse:
    """A case or report reference, as a reporter quotes it, to its case page (an unknown one back
    to the queue, which says so); anything else is a post's content id or address, looked up."""
    if looks_like_email(reference):
        return RedirectResponse(f"/console/reporter?email={quote(reference.strip())}", 303)
    if not reference.strip().startswith(("case_", "rep_")):
        return RedirectResponse(f"/console/content?q={quote(reference.strip())}", status_code=303)
    try:
        case = service.visible_case_of_reference(
            db_session=db_session, reference=reference, user=me.user
        )
    except NotFound:
        return RedirectResponse(f"/console/queue?unknown={quote(reference)}", status_code=303)
    return RedirectResponse(f"/console/cases/{case.id}", status_code=303)


@router.get("/content")
def content_page(
    request: Request,
    q: str = Query("", max_length=2000),
    me: ConsoleUser = Depends(reviewer),
    db_session: Session = DB_SESSION,
) -> HTMLResponse:
    """What Takedown knows about one post (review/content_lookup.py)."""
    found = look_up_content(db_session, query=q, user=me.user) if q.strip() else None
    return page(request, "content.html", me, found=found, q=q)


@router.get("/reporter")
def reporter_page(
    request: Request,
    email: str = Query("", max_length=320),
    me: ConsoleUser = Depends(reviewer),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> HTMLResponse:
    """A reporter's reports, by the email address they gave (review/reporter_lookup.py)."""
    try:
        found = (
            look_up_reporter(db_session, settings=settings, email=email, user=me.user)
            if email.strip()
            else None
        )
    except TakedownError as exc:
        return page(request, "reporter.html", me, found=None, email=email, error=exc.detail)
    db_session.commit()  # the lookup's audit entry
    return page(request, "reporter.html", me, found=found, email=email)


@router.get("/cases/{case_id}")
def case_page(
    request: Request,
    case_id: str,
    me: ConsoleUser = Depends(reviewer),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> HTMLResponse:
    case = service.get_visible_case(db_session=db_session, case_id=case_id, user=me.user)
    return case_page_response(request, me=me, db_session=db_session, settings=settings, case=case)


@router.post("/cases/{case_id}/claim")
def claim(
    request: Request,
    case_id: str,
    next: str = Form(""),
    me: ConsoleUser = Depends(reviewer),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> Response:
    case = service.get_visible_case(db_session=db_session, case_id=case_id, user=me.user)
    try:
        service.claim_case(db_session=db_session, settings=settings, case=case, user=me.user)
    except TakedownError as exc:
        return _case_error(request, db_session, settings, me, case_id, exc)
    db_session.commit()
    target = safe_next(next) if next else f"/console/cases/{quote(case.id)}?notice=claimed"
    return RedirectResponse(target, status_code=303)


@router.post("/cases/{case_id}/notes")
def add_note(
    request: Request,
    case_id: str,
    text: str = Form(""),
    me: ConsoleUser = Depends(reviewer),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> Response:
    """An internal note on the case (cases/notes.py); no claim needed: a note is not a decision."""
    case = service.get_visible_case(db_session=db_session, case_id=case_id, user=me.user)
    try:
        notes.add_note(db_session=db_session, case=case, author_id=me.user.id, text=text)
    except TakedownError as exc:
        return _case_error(request, db_session, settings, me, case_id, exc)
    db_session.commit()
    return RedirectResponse(f"/console/cases/{quote(case.id)}?notice=noted#notes", status_code=303)


@router.post("/cases/{case_id}/notes/{note_id}/redaction")
def redact_note(
    request: Request,
    case_id: str,
    note_id: str,
    reason: str = Form(""),
    me: ConsoleUser = Depends(reviewer),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> Response:
    """An administrator erases a note's text (cases/notes.py), saying why."""
    case = service.get_visible_case(db_session=db_session, case_id=case_id, user=me.user)
    try:
        notes.redact_note(
            db_session=db_session, case=case, note_id=note_id, admin=me.user, reason=reason
        )
    except TakedownError as exc:
        return _case_error(request, db_session, settings, me, case_id, exc)
    db_session.commit()
    erase_from_files(settings.resolved_database_url)
    return RedirectResponse(
        f"/console/cases/{quote(case.id)}?notice=note_redacted#notes", status_code=303
    )


@router.post("/cases/{case_id}/assignment")
def assign(
    request: Request,
    case_id: str,
    username: str = Form(""),
    me: ConsoleUser = Depends(reviewer),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> Response:
    service.get_visible_case(db_session=db_session, case_id=case_id, user=me.user)
    try:
        assignment.assign_case(
            db_session=db_session, case_id=case_id, lead=me.user, username=username or None
        )
    except TakedownError as exc:
        return _case_error(request, db_session, settings, me, case_id, exc)
    db_session.commit()
    notice = "assigned" if username else "unassigned"
    return RedirectResponse(f"/console/cases/{quote(case_id)}?notice={notice}", status_code=303)


@router.post("/cases/{case_id}/referrals")
def refer_to_child_safety(
    request: Request,
    case_id: str,
    category: str = Form(""),
    subject_is_minor: str = Form(""),
    reason: str = Form(""),
    me: ConsoleUser = Depends(reviewer),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> Response:
    service.get_visible_case(db_session=db_session, case_id=case_id, user=me.user)
    try:
        case = referrals.refer_to_child_safety(
            db_session=db_session,
            settings=settings,
            index=getattr(request.app.state, "index", None),
            case_id=case_id,
            reviewer=me.user,
            category=category,
            subject_is_minor=subject_is_minor == "yes",
            reason=reason,
        )
    except TakedownError as exc:
        typed = {"form": "referral", "category": category, "reason": reason}
        typed["subject_is_minor"] = subject_is_minor
        return _case_error(request, db_session, settings, me, case_id, exc, form=typed)
    db_session.commit()
    if service.may_see_case(me.role, case):
        return RedirectResponse(f"/console/cases/{quote(case.id)}?notice=referred", status_code=303)
    return RedirectResponse("/console/queue?notice=referred", status_code=303)


@router.post("/cases/{case_id}/appeals")
def record_uploader_appeal(
    request: Request,
    case_id: str,
    reason: str = Form(""),
    contact_email: str = Form(""),
    me: ConsoleUser = Depends(reviewer),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> Response:
    """Staff record an uploader's appeal against removal (it reached support, not the API)."""
    service.get_visible_case(db_session=db_session, case_id=case_id, user=me.user)
    try:
        if not reason.strip():
            raise InvalidInput("give the uploader's reason", code="reason_required")
        flows.record_uploader_appeal(
            db_session=db_session,
            settings=settings,
            case_id=case_id,
            actor=f"user:{me.user.id}",
            reason=reason,
            contact_email=contact_email or None,
        )
    except TakedownError as exc:
        return _case_error(request, db_session, settings, me, case_id, exc)
    db_session.commit()
    return RedirectResponse(
        f"/console/cases/{quote(case_id)}?notice=appeal_recorded", status_code=303
    )


def _case_error(
    request: Request,
    db_session: Session,
    settings: Settings,
    me: ConsoleUser,
    case_id: str,
    exc: TakedownError,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    """Show the case again with what went wrong; nothing of the failed action is kept but what
    the reviewer typed (`form`), in the form again, with the field the refusal is about as
    `form["invalid"]`."""
    db_session.rollback()
    if form is not None and exc.code in FIELD_OF_REFUSAL:
        form = form | {"invalid": FIELD_OF_REFUSAL[exc.code]}
    me = _reload(db_session, me)
    case = service.get_visible_case(db_session=db_session, case_id=case_id, user=me.user)
    return case_page_response(
        request,
        me=me,
        db_session=db_session,
        settings=settings,
        case=case,
        error=exc.detail,
        status_code=exc.status,
        form=form,
    )


def _media_of(db_session: Session, case: Case, media_id: int) -> CaseMedia:
    media = db_session.get(CaseMedia, media_id)
    if media is None or media.case_id != case.id:
        raise NotFound("no such media on this case", code="media_not_found")
    return media


@router.get("/cases/{case_id}/media/{media_id}/preview.jpg")
def media_preview(
    case_id: str,
    media_id: DatabaseId,
    me: ConsoleUser = Depends(reviewer),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> Response:
    """The blurred greyscale preview: the only form media takes before a reveal."""
    case = service.get_visible_case(db_session=db_session, case_id=case_id, user=me.user)
    media = _media_of(db_session, case, media_id)
    return Response(
        blurred_preview(settings, media),
        media_type="image/jpeg",
        headers={"Cache-Control": "private, no-store"},
    )


@router.post("/cases/{case_id}/media/{media_id}/reveal")
def media_reveal(
    request: Request,
    case_id: str,
    media_id: DatabaseId,
    back: str = Form(""),
    me: ConsoleUser = Depends(reviewer),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> HTMLResponse:
    """Audit the reveal, then answer with the original inline (never cached, never by GET)."""
    case = service.get_visible_case(db_session=db_session, case_id=case_id, user=me.user)
    media = _media_of(db_session, case, media_id)
    fragment = request.headers.get("hx-request")
    # A reveal on a blind quality check goes back to it, never to the case page (which shows
    # the decision the checker must not see).
    back_to = back if BLIND_PAGE.fullmatch(back) else None
    exposure = exposure_of(db_session, settings, me.id)
    if exposure.reveal_limit_reached:
        # Past the day's limit the preview stays blurred: decide on it and the matches, or pass
        # the case to a colleague (review/exposure.py).
        name = "media_withheld.html" if fragment else "reveal_page.html"
        context: dict[str, Any] = {"case": case, "media": media, "source": None}
        context |= {"exposure": exposure, "back_to": back_to}
        REVEALS.labels(outcome="withheld").inc()
        return page(request, name, me, status_code=429, **context)
    data, mime = original_for_reveal(settings, media)
    record(
        db_session=db_session,
        actor=me.actor,
        action="media.revealed",
        subject=case.id,
        details={"media_id": media.id, "sha256": media.sha256},
    )
    db_session.commit()  # the audit entry is durable before any original byte is sent
    REVEALS.labels(outcome="shown").inc()
    source = f"data:{mime};base64,{base64.b64encode(data).decode()}"
    exposure = exposure.after_reveal()
    video_type = playable_video(settings, media)
    video_url = (
        f"/console/cases/{case.id}/media/{media.id}/video?ticket="
        + quote(playback_ticket(settings, me, media.id))
        if video_type
        else None
    )
    name = "media_revealed.html" if fragment else "reveal_page.html"
    response = page(
        request,
        name,
        me,
        case=case,
        media=media,
        source=source,
        exposure=exposure,
        video_url=video_url,
        video_type=video_type,
        playback_minutes=PLAYBACK_MINUTES,
        back_to=back_to,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@router.get("/cases/{case_id}/media/{media_id}/video")
def media_video(
    case_id: str,
    media_id: DatabaseId,
    ticket: str = Query(""),
    me: ConsoleUser = Depends(reviewer),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> FileResponse:
    """The original video, for the player of a reveal this session made (its ticket): never
    without a reveal, never cached. Range requests let the player seek."""
    case = service.get_visible_case(db_session=db_session, case_id=case_id, user=me.user)
    media = _media_of(db_session, case, media_id)
    # A ticket is issued only with a player (playable_video at the reveal).
    if media.media_type != "video" or not valid_playback_ticket(settings, me, media.id, ticket):
        raise Forbidden("reveal the media again to play it", code="reveal_first")
    path, video_type = video_for_player(settings, media)
    return FileResponse(
        path,
        media_type=video_type,
        content_disposition_type="inline",
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )


@router.post("/cases/{case_id}/decisions")
def decide(
    request: Request,
    case_id: str,
    outcome: str = Form(""),
    policy: str = Form(""),
    reason: str = Form(""),
    classification: str = Form(""),
    immediate_risk: str = Form(""),
    case_version: str = Form(""),
    me: ConsoleUser = Depends(reviewer),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> Response:
    service.get_visible_case(db_session=db_session, case_id=case_id, user=me.user)
    typed = {"outcome": outcome, "policy": policy, "reason": reason}
    typed |= {"classification": classification, "immediate_risk": immediate_risk}
    try:
        decision = flows.record_decision(
            db_session=db_session,
            settings=settings,
            case_id=case_id,
            reviewer=me.user,
            outcome=outcome,
            policy=policy,
            reason=reason,
            classification=classification or None,
            immediate_risk=immediate_risk or None,
            seen_version=case_version or None,
        )
    except TakedownError as exc:
        typed["form"] = "decision"
        return _case_error(request, db_session, settings, me, case_id, exc, form=typed)
    db_session.commit()
    notice = "decided" if decision.final else "second_review"
    return RedirectResponse(f"/console/cases/{quote(case_id)}?notice={notice}", status_code=303)


def _reload(db_session: Session, me: ConsoleUser) -> ConsoleUser:
    from takedown.console.models import ConsoleSession

    user = db_session.get(User, me.user.id)
    session = db_session.get(ConsoleSession, me.session.id)
    assert user is not None and session is not None
    return ConsoleUser(user=user, session=session, settings=me.settings)


@router.post("/appeals/{appeal_id}/decisions")
def decide_appeal(
    request: Request,
    appeal_id: str,
    outcome: str = Form(""),
    reason: str = Form(""),
    policy: str = Form(""),
    classification: str = Form(""),
    immediate_risk: str = Form(""),
    case_version: str = Form(""),
    me: ConsoleUser = Depends(reviewer),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> Response:
    typed = {"form": appeal_id, "outcome": outcome, "policy": policy, "reason": reason}
    typed |= {"classification": classification, "immediate_risk": immediate_risk}
    appeal = db_session.get(Appeal, appeal_id)
    if appeal is None:
        raise NotFound(f"no appeal {appeal_id}", code="appeal_not_found")
    case_id = appeal.case_id
    service.get_visible_case(db_session=db_session, case_id=case_id, user=me.user)
    try:
        decision = flows.decide_appeal(
            db_session=db_session,
            settings=settings,
            appeal_id=appeal_id,
            reviewer=me.user,
            outcome=outcome,
            reason=reason,
            policy=policy,
            classification=classification or None,
            immediate_risk=immediate_risk or None,
            seen_version=case_version or None,
        )
    except TakedownError as exc:
        return _case_error(request, db_session, settings, me, case_id, exc, form=typed)
    db_session.commit()
    notice = "appeal_decided" if decision.final else "appeal_first"
    return RedirectResponse(f"/console/cases/{quote(case_id)}?notice={notice}", status_code=303)


@router.get("/whoami")
def whoami(
    request: Request,
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """Who the session cookie belongs to (for scripts and the browser test); no secrets."""
    me = current_console_user(request, db_session, settings)
    if me is None:
        return {"signed_in": False}
    return {
        "signed_in": True,
        "username": me.user.username,
        "role": me.role,
        "child_safety": has_role(me.role, Role.CHILD_SAFETY_REVIEWER),
    }


def _signals_to_show(signals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A media item's hashes as a reviewer reads them: each once, without the query-side
    variants (rotations, flips) and without the keypoint lists (kilobytes of numbers)."""
    return [s for s in distinct_originals(signals) if s.get("type") != PDQ_CROP]
