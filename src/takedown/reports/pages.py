"""The public pages: /report (the form) and /track/{tracking_token} (status and appeal).

Server-rendered, no JavaScript needed; every control has a label; errors sit next to fields.
Each page is in the reader's language (i18n): labels and messages here are English msgids,
translated where a page is rendered.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from email_validator import EmailNotValidError, validate_email
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from takedown.api.deps import DB_SESSION, get_settings
from takedown.cases.appeals import (
    appeal_closes_at,
    appealed_before,
    can_appeal,
    file_appeal,
    open_appeal,
)
from takedown.cases.models import (
    CHILD_SAFETY_CATEGORIES,
    CLOSED_STATUSES,
    Appellant,
    Case,
    CaseStatus,
    Category,
)
from takedown.cases.service import case_appeals, get_case
from takedown.content_urls import has_web_scheme, is_web_address, url_key
from takedown.errors import InvalidInput, MediaError, MediaTooLarge, RateLimited, TakedownError
from takedown.i18n import N_
from takedown.i18n.negotiation import Reader, reader_of
from takedown.ids import new_secret_token
from takedown.notify.service import not_told, reporter_status, sealed_promise, tracking_url
from takedown.reports import additions, lost_links, service, withdrawal
from takedown.reports.additions import additions_of
from takedown.reports.fingerprints import files_fingerprinted
from takedown.reports.flows import Submission, content_scanned_at
from takedown.reports.models import Channel, MinorSubject, ReporterRole
from takedown.reports.retention import erase_at_reporters_request, reporter_may_erase
from takedown.reports.schemas import LawEnforcement, Reporter, ReportIn, rule_errors
from takedown.reports.support import support_for
from takedown.reports.views import (
    FINGERPRINTS_UNREADABLE,
    accept_all,
    form_payload,
    idempotency_key_of,
    parse_report,
    read_file,
)
from takedown.review.public_texts import localised_public_text
from takedown.review.service import later_action_on_the_post
from takedown.settings import Settings
from takedown.store.db import erase_from_files
from takedown.web.templating import render

router = APIRouter(tags=["public pages"], include_in_schema=False)
MORE_ADDRESSES = 19  # extra addresses one form may report, beside the first
# Files one form may fingerprint: each sends a PDQ or vPDQ and a SHA-256 (ReportIn takes 20).
FINGERPRINTED_FILES = 10
FORM_PART_BYTES = 8 * 1024 * 1024

CATEGORY_LABELS = {
    Category.CHILD_SEXUAL_ABUSE: N_("Sexual abuse of a child (child sexual abuse material)"),
    Category.CHILD_SEXUAL_EXPLOITATION: N_(
        "Child sexual exploitation (grooming, sextortion, enticement)"
    ),
    Category.NON_CONSENSUAL_INTIMATE_IMAGERY: N_("Intimate images shared without consent"),
    Category.OTHER_ILLEGAL: N_("Other illegal content"),
    Category.TERMS_VIOLATION: N_("Breaks the platform's rules"),
}
# No "trusted flagger" here: the platform designates its flaggers and gives them a key (the
# `trusted_flagger` scope); on a public form the role would only be a claim.
ROLE_LABELS = {
    ReporterRole.VICTIM: N_("I am the person shown"),
    ReporterRole.PARENT_OR_GUARDIAN: N_("I am a parent or guardian of the person shown"),
    ReporterRole.BYSTANDER: N_("I saw this content"),
    ReporterRole.LAW_ENFORCEMENT: N_("Law enforcement"),
    ReporterRole.PLATFORM_USER: N_("A user of the platform"),
}
MINOR_LABELS = {
    MinorSubject.YES: N_("Yes"),
    MinorSubject.NO: N_("No"),
    MinorSubject.UNKNOWN: N_("I don't know"),
}


# Messages for pydantic's own error types on the form (its English messages are for API callers).
FIELD_MESSAGES = {
    "category": N_("Choose what is wrong with the content."),
    "reporter.email": N_("Enter an email address in the form name@example.com."),
}
TYPE_MESSAGES = {
    "string_too_long": N_("This answer is too long: write at most %(most)s characters."),
    "enum": N_("Choose one of the options."),
    "missing": N_("Answer this question."),
}
OWN_ERROR_TYPES = {"required", "invalid", "too_many"}  # messages written here: English msgids
# The form's fields in the order they are shown: the error summary lists them in this order.
FORM_FIELDS = (
    "category",
    "content_url",
    "more_urls",
    "content_id",
    "file",
    "fingerprints",
    "subject_is_minor",
    "explanation",
    "reporter.role",
    "reporter.name",
    "reporter.email",
    "law_enforcement.agency",
    "law_enforcement.case_number",
    "good_faith_statement",
    "signature",
)


class TrackingStep(enum.StrEnum):
    """What a reporter posts from their tracking page, each at /track/{token}/{step}."""

    APPEAL = "appeal"
    INFORMATION = "information"
    WITHDRAW = "withdraw"
    ERASE_CONTACT = "erase-contact"


APPEAL_CHARACTERS = 20_000  # as an uploader's appeal (UploaderAppealIn)
RATE_LIMITED = N_(
    "Many reports came from here in the last hour. Send yours again later. Reports of the abuse "
    "or exploitation of a child are always taken."
)
NOT_SENT = N_("Your report could not be sent. Check your answers.")
APPEAL_IS_FINAL = N_(
    "Your appeal has been decided, and that decision is final here. If you still disagree, you "
    "can take it to an out-of-court dispute settlement body or to a court."
)
# What the tracking page says when an appeal or an addition is refused, by the refusal's code.
REFUSALS = {
    "appeal_not_open": N_(
        "This decision cannot be appealed now: it is being reviewed again, or the time to "
        "appeal has ended."
    ),
    "case_decided": N_("This case is decided. If you disagree, appeal the decision instead."),
    "appealed_already": APPEAL_IS_FINAL,
    "empty_addition": N_("Write what you want to add, or give a police case number."),
    "addition_too_long": N_(
        "An answer is too long: write at most %(most)s characters in it. Nothing was added."
    ),
    "too_many_additions": N_("This report cannot take more additions. Send a new report instead."),
    "report_withdrawn": N_("You withdrew this report."),
    # The same whatever was found or decided: an appeal is of a decision the reporter is not told.
    "sealed_appeal": N_(
        "We do not tell you what was decided on this report, so it has no decision to appeal. If "
        "you find the picture or video here, report its address."
    ),
    "not_withdrawable": N_("This report cannot be withdrawn."),
    "sealed_erasure": N_(
        "The contact details of this report cannot be erased from this page, as we do not tell "
        "you when its case is decided. A report of intimate imagery by fingerprint alone can be "
        "withdrawn instead, which erases them."
    ),
    "contact_still_needed": N_(
        "Your contact details are still needed for this case. You can erase them once it is "
        "decided and nothing more is pending."
    ),
}


def _form_context(reader: Reader, values: dict[str, Any], errors: dict[str, str]) -> dict:
    settings, t = reader.settings, reader.gettext
    return {
        "values": values,
        "errors": errors,
        "categories": {value: t(label) for value, label in CATEGORY_LABELS.items()},
        "roles": {value: t(label) for value, label in ROLE_LABELS.items()},
        "minor_choices": {value: t(label) for value, label in MINOR_LABELS.items()},
        "idempotency_key": values.get("idempotency_key") or new_secret_token(16),
        "ncii_hours": int(settings.deadline_ncii_hours),
        "appeal_days": settings.appeal_window_days,
        "more_addresses": MORE_ADDRESSES,
        "email_enabled": bool(settings.smtp_host),
        "fingerprint_limit": FINGERPRINTED_FILES,
        "fingerprint_count": _files_in(values.get("fingerprints")),
        "limits": FORM_LIMITS,
        # An error summary's link lands on a control that takes focus, not on its fieldset.
        "anchors": {
            "category": f"category-{next(iter(CATEGORY_LABELS))}",
            "subject_is_minor": f"subject_is_minor-{next(iter(MINOR_LABELS))}",
            "good_faith_statement": "good_faith_statement-input",
        },
    }


def _max_length(model: type[BaseModel], field: str) -> int:
    """A field's `max_length` as the API checks it."""
    return next(
        m.max_length for m in model.model_fields[field].metadata if hasattr(m, "max_length")
    )


# The form's `maxlength`s: the limits the server checks, so a browser stops at the same place.
FORM_LIMITS = {
    **{f: _max_length(ReportIn, f) for f in ("content_url", "content_id", "explanation")},
    "signature": _max_length(ReportIn, "signature"),
    "reporter.name": _max_length(Reporter, "name"),
    "reporter.email": 254,  # the longest address email_validator (EmailStr) takes
    "law_enforcement.agency": _max_length(LawEnforcement, "agency"),
    "law_enforcement.case_number": _max_length(LawEnforcement, "case_number"),
}


def _files_in(fingerprints: str | None) -> int:
    """How many files a re-shown form already fingerprinted (one SHA-256 each), so a
    correction elsewhere in the form keeps them."""
    try:
        sent = json.loads(fingerprints or "[]")
    except (ValueError, RecursionError):  # not JSON, or nested too deeply
        return 0
    if not isinstance(sent, list):
        return 0
    return sum(1 for f in sent if isinstance(f, dict) and f.get("type") == "sha256")


def form_errors(exc: TakedownError, reader: Reader) -> dict[str, str]:
    """Field -> message in the reader's language, for the form's error summary and fields."""
    t = reader.gettext
    if isinstance(exc, MediaTooLarge):
        return {"file": t(N_("The file is too large. Give its address instead."))}
    if isinstance(exc, MediaError):
        return {"file": t(N_("We could not read the attached file. Give its address instead."))}
    if isinstance(exc, RateLimited):
        return {"_form": t(RATE_LIMITED)}
    errors: dict[str, str] = {}
    for error in exc.extra.get("errors", []):
        field, kind = error["field"], error.get("type")
        if field.startswith("fingerprints") and kind not in OWN_ERROR_TYPES:
            errors.setdefault("fingerprints", t(FINGERPRINTS_UNREADABLE))
            continue
        if field not in FORM_FIELDS:  # not on the form (a changed page, a hidden field)
            errors.setdefault("_form", t(NOT_SENT))
            continue
        if kind in OWN_ERROR_TYPES:
            message = t(error["message"]) % error.get("params", {})
        elif field in FIELD_MESSAGES:
            message = t(FIELD_MESSAGES[field])
        else:
            message = t(TYPE_MESSAGES.get(kind or "", N_("Check this answer.")))
            message %= error.get("params", {})
        errors.setdefault(field, message)
    if not errors:
        return {"_form": t(NOT_SENT)}
    # In the form's order, as a reader meets the fields (the rules are checked in another).
    return dict(
        sorted(errors.items(), key=lambda e: FORM_FIELDS.index(e[0]) if e[0] in FORM_FIELDS else -1)
    )


@router.get("/report", response_class=HTMLResponse)
def report_form(request: Request, settings: Settings = Depends(get_settings)) -> HTMLResponse:
    """The form, filled in from the link when a platform's own "Report" button links here
    (`?content_url=&content_id=&category=`), so nobody has to copy an address."""
    reader = reader_of(request, settings)
    context = _form_context(reader, prefilled(request.query_params), {})
    return render(request, "reports/form.html", context, reader=reader)


def prefilled(query: Any) -> dict[str, str]:
    """The form values a link may fill in: a web address, a content id, a known category;
    anything else in the link is ignored (the reporter still sees and sends the form)."""
    values = {}
    url = str(query.get("content_url") or "").strip()
    if url and len(url) <= 4000 and is_web_address(url):
        values["content_url"] = url
    content_id = str(query.get("content_id") or "").strip()
    if content_id and len(content_id) <= 255:
        values["content_id"] = content_id
    category = str(query.get("category") or "")
    if category in {c.value for c in Category}:
        values["category"] = category
    return values


@router.post("/report", response_class=HTMLResponse)
async def submit_report_form(
    request: Request,
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> HTMLResponse:
    reader = reader_of(request, settings)
    try:
        # The browser's fingerprints of long videos make a large field (vPDQ: ~270 kB an hour).
        form = await request.form(max_files=1, max_fields=60, max_part_size=FORM_PART_BYTES)
    except HTTPException as exc:  # not a form this page sent: the form again, in their language
        context = _form_context(reader, {}, {"_form": reader.gettext(NOT_SENT)})
        return render(
            request, "reports/form.html", context, status_code=exc.status_code, reader=reader
        )
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        file_bytes, filename = await read_file(form.get("file"), settings)
        payload = form_payload(form)
        payload.setdefault("language", reader.language)
        key = idempotency_key_of(str(form.get("idempotency_key") or ""), field="idempotency_key")
        report, extra_urls = _report_and_more(db_session, payload, has_file=bool(file_bytes))
        client_address = request.client.host if request.client else None
        # The first report carries the file; each extra address is a report of its own with
        # the same answers (its own case, unless it is about content already reported).
        submissions = [
            Submission(
                report=report,
                channel=Channel.WEB_FORM,
                file_bytes=file_bytes,
                filename=filename,
                client_address=client_address,
                idempotency_key=key,
                acknowledge=not extra_urls,
            ),
            *(
                Submission(
                    report=report.model_copy(
                        update={"content_url": url, "content_id": None, "fingerprints": []}
                    ),
                    channel=Channel.WEB_FORM,
                    client_address=client_address,
                    idempotency_key=f"{key}#{n}" if key else None,
                    acknowledge=False,
                )
                for n, url in enumerate(extra_urls, start=2)
            ),
        ]
        answers = await run_in_threadpool(
            accept_all,
            db_session=db_session,
            settings=settings,
            index=getattr(request.app.state, "index", None),
            submissions=submissions,
            acknowledge_together=bool(extra_urls),
        )
    except (InvalidInput, MediaError, RateLimited) as exc:
        context = _form_context(reader, values, form_errors(exc, reader))
        return render(request, "reports/form.html", context, status_code=exc.status, reader=reader)
    return render(
        request,
        "reports/confirmation.html",
        {
            "answer": answers[0].body,
            # This page is shown once: another language's link leads to the report's tracking
            # page in that language, never to an empty form (the tracking link would be lost).
            "language_path": answers[0].body["status_url"],
            "more": [
                {"url": url, **a.body} for url, a in zip(extra_urls, answers[1:], strict=True)
            ],
            "email_given": bool(values.get("reporter.email")),
            "email_withheld": any(a.body.get("acknowledgment_withheld") for a in answers),
            "email_enabled": bool(settings.smtp_host),
            "support": _support(reader, report.category.value),
            "child_safety": report.category in CHILD_SAFETY_CATEGORIES,
            "sealed_promise": sealed_promise(
                reader.gettext,
                by_fingerprint_alone=not (report.content_url or report.content_id or file_bytes),
            ),
        },
        status_code=201,
        reader=reader,
    )


def _report_and_more(
    db_session: Session, payload: dict[str, Any], *, has_file: bool
) -> tuple[ReportIn, list[str]]:
    """The form's report and its extra addresses, or InvalidInput with every error of both. With
    the first box empty, the first extra address is the report's own."""
    more_errors: list[dict[str, Any]] = []
    first = payload.get("content_url")
    first = first if isinstance(first, str) and first.strip() else None
    try:
        extra_urls = more_addresses(str(payload.pop("more_urls", "") or ""), first)
    except InvalidInput as exc:
        extra_urls, more_errors = [], exc.extra["errors"]
    if extra_urls and first is None:
        payload["content_url"] = extra_urls.pop(0)
    try:
        report = parse_report(payload, has_file=has_file)
    except InvalidInput as exc:
        if not more_errors or "errors" not in exc.extra:
            raise
        raise InvalidInput(exc.detail, errors=[*exc.extra["errors"], *more_errors]) from exc
    if more_errors:
        raise InvalidInput(
            "the report has invalid fields",
            errors=[*more_errors, *rule_errors(report, has_file=has_file)],
        )
    return report, _other_posts(db_session, report, extra_urls)


def _other_posts(db_session: Session, report: ReportIn, urls: list[str]) -> list[str]:
    """The extra addresses less those of a post already in the report: the upload the platform
    scanned there is the report's content, or another address's (two reports of one post in one
    submission would count as repeated reports)."""
    seen: set[str | None] = {report.content_id} if report.content_id else set()
    if is_web_address(report.content_url):
        seen.add(content_scanned_at(db_session, report.content_url))
    kept = []
    for url in urls:
        scanned = content_scanned_at(db_session, url)
        if scanned is not None and scanned in seen:
            continue
        seen.add(scanned)
        kept.append(url)
    return kept


def more_addresses(text: str, first: str | None) -> list[str]:
    """The form's extra addresses, one a line: blank lines and repeats dropped (the same once
    normalised, as cases are merged: `www.`, a trailing slash, tracking parameters); each must
    be a web address, at most MORE_ADDRESSES of them (InvalidInput on `more_urls` otherwise)."""
    addresses: list[str] = []
    keys = {url_key(first)} if first and is_web_address(first) else set()
    for number, line in enumerate(text.splitlines(), start=1):
        url = line.strip()
        if not url:
            continue
        if not is_web_address(url):
            raise InvalidInput(
                "an extra address is not a web address",
                errors=[
                    {
                        "field": "more_urls",
                        "message": (
                            N_("Line %(line)s must start with http:// or https://.")
                            if not has_web_scheme(url)
                            else N_(
                                "Line %(line)s is not a complete web address. Copy it from "
                                "your browser's address bar."
                            )
                        ),
                        "params": {"line": number},
                        "type": "invalid",
                    }
                ],
            )
        if url_key(url) in keys:
            continue
        keys.add(url_key(url))
        addresses.append(url)
    if len(addresses) > MORE_ADDRESSES:
        raise InvalidInput(
            "too many extra addresses",
            errors=[
                {
                    "field": "more_urls",
                    "message": N_("Give at most %(most)s more addresses in one report."),
                    "params": {"most": MORE_ADDRESSES},
                    "type": "too_many",
                }
            ],
        )
    return addresses


@router.get("/track", response_class=HTMLResponse)
def lost_links_form(request: Request, settings: Settings = Depends(get_settings)) -> HTMLResponse:
    """A reporter who lost their tracking links asks for them by email (reports.lost_links)."""
    reader = reader_of(request, settings)
    context = {"values": {}, "email_enabled": bool(settings.smtp_host)}
    return render(request, "reports/track_lost.html", context, reader=reader)


@router.post("/track", response_class=HTMLResponse)
async def send_lost_links(
    request: Request,
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> HTMLResponse:
    """The same answer whether or not the address sent reports: it tells nobody who reported."""
    form = await request.form(max_files=0, max_fields=4)
    reader = reader_of(request, settings)
    email = str(form.get("email") or "").strip()
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError:
        error = reader.gettext(N_("Enter the email address you gave with your report."))
        context = {
            "values": {"email": email},
            "error": error,
            "email_enabled": bool(settings.smtp_host),
        }
        return render(request, "reports/track_lost.html", context, status_code=422, reader=reader)
    lost_links.request_tracking_links(db_session=db_session, email=email, language=reader.language)
    db_session.commit()
    context = {"sent": True, "email_enabled": bool(settings.smtp_host)}
    return render(request, "reports/track_lost.html", context, reader=reader)


@router.get("/track/{tracking_token}", response_class=HTMLResponse)
def track(
    request: Request,
    tracking_token: str,
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> HTMLResponse:
    try:
        report = service.report_by_token(db_session=db_session, tracking_token=tracking_token)
    except TakedownError:
        return _unknown_tracking_link(request, settings)
    return _track_page(request, db_session, settings, report, error=None)


@router.get("/track/{tracking_token}/{step}", include_in_schema=False)
def back_to_tracking_page(tracking_token: str, step: TrackingStep) -> RedirectResponse:
    """A step's address opened as a page (reloaded from the address bar, reached by Back, or
    shared): the tracking page it belongs to, not a "Method Not Allowed" in English."""
    return RedirectResponse(f"/track/{quote(tracking_token, safe='')}", status_code=303)


def _support(reader: Reader, category: str) -> list[dict[str, str]]:
    """Help beyond this platform for what was reported, in the reader's language."""
    t = reader.gettext
    return [
        {"name": t(r.name), "url": r.url, "description": t(r.description)}
        for r in support_for(reader.settings, category)
    ]


def _refusal(exc: TakedownError) -> str:
    return REFUSALS.get(exc.code, N_("This could not be done. Try again later."))


def _unknown_tracking_link(request: Request, settings: Settings) -> HTMLResponse:
    reader = reader_of(request, settings)
    context = {"language_path": "/track"}  # a page that can be fetched, whatever was posted
    return render(request, "reports/track_unknown.html", context, status_code=404, reader=reader)


def _track_page(
    request: Request,
    db_session: Session,
    settings: Settings,
    report: Any,
    *,
    error: str | None = None,
    add_error: str | None = None,
    withdraw_error: str | None = None,
    erase_error: str | None = None,
    params: Mapping[str, Any] | None = None,
    typed: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The tracking page; after a refused step, its refusal (`params` fill in its message) and
    what the reporter `typed`, so nothing they wrote is lost."""
    reader = reader_of(request, settings, hint=report.language)
    t = reader.gettext
    case = get_case(db_session=db_session, case_id=report.case_id)
    reopened = open_appeal(db_session, case)
    status = reporter_status(
        report,
        case,
        reopened_by_staff=reopened is not None and reopened.appellant == Appellant.QUALITY_REVIEW,
    )
    context: dict[str, Any] = {
        "report": report,
        "status": status,
        "status_text": t(status),
        "category_label": t(CATEGORY_LABELS.get(Category(report.category), report.category)),
        "error": t(error) % (params or {}) if error else None,
        "add_error": t(add_error) % (params or {}) if add_error else None,
        "typed": typed or {},
        "appeal_limit": APPEAL_CHARACTERS,
        "addition_limits": {
            "text": additions.MAX_TEXT,
            "agency": additions.MAX_AGENCY,
            "case_number": additions.MAX_CASE_NUMBER,
        },
        # A refused step posted elsewhere: the language links lead back to this page.
        "language_path": f"/track/{report.tracking_token}",
        "withdraw_error": t(withdraw_error) if withdraw_error else None,
        "erase_error": t(erase_error) if erase_error else None,
        "track_url": tracking_url(settings, report.tracking_token),
        "added": additions_of(db_session=db_session, case_id=case.id).get(report.id, []),
        "fingerprinted": files_fingerprinted(db_session, report.id),
        "support": _support(reader, report.category),
        # TAKE IT DOWN Act: a valid request's image comes down within 48 hours of the request.
        "legal_deadline": (
            report.received_at + timedelta(hours=settings.deadline_ncii_hours)
            if report.valid_take_it_down_request
            else None
        ),
    }
    if report.case_hidden:
        context |= _sealed_view(report, t)
    else:
        context |= _case_view(db_session, settings, report, case, t)
    return render(request, "reports/track.html", context, status_code=status_code, reader=reader)


def _case_view(
    db_session: Session, settings: Settings, report: Any, case: Case, t: Any
) -> dict[str, Any]:
    """How the case stands: its reference, decision, removal, appeals, what may still be added,
    and whether the reporter may erase their contact details now."""
    # A quality check's reopening is staff's own, not an appeal anyone made.
    appeals = [
        a
        for a in case_appeals(db_session=db_session, case_id=case.id)
        if a.appellant != Appellant.QUALITY_REVIEW
    ]
    return {
        "can_erase": reporter_may_erase(db_session, report),
        "reference": case.id,
        "decided_at": case.decided_at,
        "decision_text": localised_public_text(case.outcome_text_public, t),
        "appeal_texts": {a.id: localised_public_text(a.outcome_text_public, t) for a in appeals},
        "appeals": appeals,
        "appeal_open": can_appeal(
            db_session=db_session,
            settings=settings,
            case=case,
            appellant=Appellant.REPORTER,
            report_id=report.id,
        ),
        # Their appeal was decided: final here (DSA Art 20), so no second appeal is offered.
        "appeal_final": case.status in CLOSED_STATUSES
        and appealed_before(db_session, case, appellant=Appellant.REPORTER, report_id=report.id),
        "appeal_final_text": t(APPEAL_IS_FINAL),
        "appeal_closes_at": appeal_closes_at(settings, case),
        "removal": _removal_for_reporter(db_session, case.id),
        "can_add": case.status not in CLOSED_STATUSES and case.status != CaseStatus.APPEALED,
        # "No violation", but a later case about the post took action after all.
        "later_action": later_action_on_the_post(db_session, case),
    }


def _sealed_view(report: Any, t: Any) -> dict[str, Any]:
    """A report whose case is hidden (by fingerprint alone, or a picture the place it names does
    not hold): nothing from its case, which holds what matched (the case it joined, a reviewer's
    claim, the decision, a removal, someone else's appeal)."""
    return {
        "sealed": True,
        "not_told": not_told(t, by_fingerprint_alone=report.by_fingerprint_alone),
        "reference": report.id,
        "decided_at": None,
        "decision_text": None,
        "appeals": [],
        "appeal_open": False,
        "removal": None,
        "can_add": report.withdrawn_at is None,
        "can_withdraw": withdrawal.can_withdraw(report),
        "child_safety": Category(report.category) in CHILD_SAFETY_CATEGORIES,
    }


def _removal_for_reporter(db_session: Session, case_id: str) -> dict[str, Any] | None:
    """What was taken down, in a reporter's terms: when, whether the reported post is checked
    gone, and how many other copies went with it (never whose)."""
    from takedown.enforcement.flows import copies_for
    from takedown.enforcement.removal_checks import removal_state

    items = [item for item in copies_for(db_session=db_session, case_id=case_id)]
    reported = [i for i in items if i.match_kind == "reported" and i.restored_at is None]
    if not reported:
        return None
    states = {removal_state(i) for i in reported}
    verified = [i.removal_verified_at for i in reported if i.removal_verified_at is not None]
    return {
        "ordered_at": min(i.removed_at for i in reported),
        "verified_at": max(verified) if states == {"verified_down"} else None,
        "checking": bool(states & {"awaiting_check", "still_up"}),
        "copies": sum(1 for i in items if i.match_kind != "reported" and i.restored_at is None),
    }


@router.post("/track/{tracking_token}/appeal", response_class=HTMLResponse, response_model=None)
async def appeal(
    request: Request,
    tracking_token: str,
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> HTMLResponse | RedirectResponse:
    form = await request.form(max_files=0, max_fields=5)
    reason = str(form.get("reason") or "").strip()
    try:
        report = service.report_by_token(db_session=db_session, tracking_token=tracking_token)
    except TakedownError:
        return _unknown_tracking_link(request, settings)
    if report.case_hidden:
        return _track_page(
            request,
            db_session,
            settings,
            report,
            error=REFUSALS["sealed_appeal"],
            status_code=409,
        )
    if not reason:
        return _track_page(
            request,
            db_session,
            settings,
            report,
            error=N_("Tell us why you disagree with the decision."),
            status_code=422,
        )
    if len(reason) > APPEAL_CHARACTERS:  # refused, never cut: the reviewer reads all of it
        return _track_page(
            request,
            db_session,
            settings,
            report,
            error=N_(
                "Your appeal is too long: write at most %(most)s characters. It was not sent."
            ),
            params={"most": APPEAL_CHARACTERS},
            typed={"reason": reason},
            status_code=422,
        )
    try:
        case = get_case(db_session=db_session, case_id=report.case_id, for_update=True)
        file_appeal(
            db_session=db_session,
            settings=settings,
            case=case,
            appellant=Appellant.REPORTER,
            reason=reason,
            actor="public",
            report_id=report.id,
            contact_email=report.reporter_email,
        )
        db_session.commit()
    except TakedownError as exc:
        db_session.rollback()
        return _track_page(
            request,
            db_session,
            settings,
            report,
            error=_refusal(exc),
            typed={"reason": reason},
            status_code=409,
        )
    # Post/redirect/get: reloading the page does not appeal twice.
    return RedirectResponse(f"/track/{tracking_token}?appealed=1", status_code=303)


@router.post(
    "/track/{tracking_token}/information", response_class=HTMLResponse, response_model=None
)
async def add_information(
    request: Request,
    tracking_token: str,
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> HTMLResponse | RedirectResponse:
    """More from the reporter while the case is open (reports.additions)."""
    form = await request.form(max_files=0, max_fields=8)
    try:
        report = service.report_by_token(db_session=db_session, tracking_token=tracking_token)
    except TakedownError:
        return _unknown_tracking_link(request, settings)
    typed = {
        "text": str(form.get("text") or ""),
        "police_agency": str(form.get("police_agency") or ""),
        "police_case_number": str(form.get("police_case_number") or ""),
        "subject_is_minor": "yes" if form.get("subject_is_minor") == "yes" else "",
    }
    try:
        case = get_case(db_session=db_session, case_id=report.case_id, for_update=True)
        additions.add_information(
            db_session=db_session,
            settings=settings,
            report=report,
            case=case,
            text=typed["text"],
            police_agency=typed["police_agency"],
            police_case_number=typed["police_case_number"],
            subject_is_minor=bool(typed["subject_is_minor"]),
        )
        db_session.commit()
    except TakedownError as exc:
        db_session.rollback()
        return _track_page(
            request,
            db_session,
            settings,
            report,
            add_error=_refusal(exc),
            params=exc.extra.get("params"),
            typed=typed,
            status_code=exc.status,
        )
    return RedirectResponse(f"/track/{tracking_token}?added=1", status_code=303)


@router.post("/track/{tracking_token}/withdraw", response_class=HTMLResponse, response_model=None)
async def withdraw(
    request: Request,
    tracking_token: str,
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> HTMLResponse | RedirectResponse:
    """The reporter stops the search for their intimate-imagery fingerprints (withdrawal)."""
    return await _confirmed(
        request,
        tracking_token,
        db_session,
        settings,
        act=lambda report, case: withdrawal.withdraw(
            db_session=db_session, report=report, case=case
        ),
        unconfirmed=N_("Tick the box to confirm that you want to withdraw this report."),
        error_field="withdraw_error",
        done="withdrawn",
    )


@router.post(
    "/track/{tracking_token}/erase-contact", response_class=HTMLResponse, response_model=None
)
async def erase_contact(
    request: Request,
    tracking_token: str,
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> HTMLResponse | RedirectResponse:
    """The reporter erases their name, email and signature once the case no longer needs them,
    instead of waiting out the retention period (reports.retention)."""
    return await _confirmed(
        request,
        tracking_token,
        db_session,
        settings,
        act=lambda report, case: erase_at_reporters_request(db_session, report),
        unconfirmed=N_("Tick the box to confirm that you want your contact details erased."),
        error_field="erase_error",
        done="erased",
    )


async def _confirmed(
    request: Request,
    tracking_token: str,
    db_session: Session,
    settings: Settings,
    *,
    act: Callable[[Any, Case], object],
    unconfirmed: str,
    error_field: str,
    done: str,
) -> HTMLResponse | RedirectResponse:
    """A step the reporter confirms with a tick box: `act` on the report and its locked case,
    then back to the page (post/redirect/get), or the page with the refusal in `error_field`."""
    form = await request.form(max_files=0, max_fields=4)
    try:
        report = service.report_by_token(db_session=db_session, tracking_token=tracking_token)
    except TakedownError:
        return _unknown_tracking_link(request, settings)
    if form.get("confirm") != "yes":
        unticked: dict[str, Any] = {error_field: unconfirmed}
        return _track_page(request, db_session, settings, report, status_code=422, **unticked)
    try:
        act(report, get_case(db_session=db_session, case_id=report.case_id, for_update=True))
        db_session.commit()
    except TakedownError as exc:
        db_session.rollback()
        refused: dict[str, Any] = {error_field: _refusal(exc)}
        return _track_page(
            request,
            db_session,
            settings,
            report,
            status_code=exc.status,
            **refused,
        )
    erase_from_files(settings.resolved_database_url)  # both steps erase contact details
    return RedirectResponse(f"/track/{tracking_token}?{done}=1", status_code=303)
