"""The report API: POST /v1/reports (public, or a platform key with scope `report`), uploader
appeals from platforms, and flagging reporters (staff, admin role)."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, EmailStr, Field, ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from takedown.api.deps import DB_SESSION, get_settings
from takedown.auth.dependencies import optional_principal, require_role, require_scope
from takedown.auth.models import Role, Scope
from takedown.auth.service import Principal
from takedown.cases.service import get_case
from takedown.errors import Forbidden, InvalidInput, MediaTooLarge
from takedown.i18n import N_, default_language, language_name, languages
from takedown.media import max_upload_bytes
from takedown.reports import service, withdrawal
from takedown.reports.flows import Answer, Submission, submit_report
from takedown.reports.models import Channel
from takedown.reports.schemas import ReportAccepted, ReportIn, rule_errors
from takedown.review.flows import record_uploader_appeal
from takedown.review.schemas import PlatformUploaderAppealIn
from takedown.settings import Settings
from takedown.store.db import erase_from_files

log = logging.getLogger(__name__)
router = APIRouter(tags=["reports"])
INTAKE_ATTEMPTS = 3
TRUE_WORDS = {"on", "true", "yes", "1"}
IDEMPOTENCY_KEY_CHARACTERS = 255  # a UUID is 36; the key is stored with the report
# The largest valid report: 20 fingerprints of at most 1,000,000 characters, and the rest.
MAX_JSON_BYTES = 21 * 1024 * 1024


FINGERPRINTS_UNREADABLE = N_(
    "The fingerprints of your files could not be read. Choose the files again, or send the "
    "report without them."
)


def pydantic_errors(exc: ValidationError) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors():
        error: dict[str, Any] = {
            "field": ".".join(str(p) for p in err["loc"]),
            "message": err["msg"],
            "type": err["type"],
        }
        if err["type"] == "string_too_long":  # the form says the limit
            error["params"] = {"most": err.get("ctx", {}).get("max_length")}
        errors.append(error)
    return errors


def parse_report(payload: Any, *, has_file: bool = False) -> ReportIn:
    """The report, or InvalidInput with every error at once: the fields' own (a wrong type, too
    long) and the category's rules for the rest, so nobody corrects a form in two rounds."""
    if not isinstance(payload, dict):
        raise InvalidInput("send a JSON object", code="invalid_json")
    try:
        return ReportIn.model_validate(payload)
    except ValidationError as exc:
        errors = pydantic_errors(exc)
        errors += _rule_errors_beside(payload, exc, has_file=has_file)
        raise InvalidInput("the report has invalid fields", errors=errors) from exc


def _rule_errors_beside(
    payload: dict[str, Any], exc: ValidationError, *, has_file: bool
) -> list[dict[str, Any]]:
    """The category's rule errors about the fields that are not wrong in themselves: the report
    checked without its wrong fields (wrong fingerprints still count as sent)."""
    rest = dict(payload)
    wrong = set()
    for err in exc.errors():
        loc = err["loc"]
        wrong.add(".".join(str(p) for p in loc[:2]))
        nested = rest.get(str(loc[0]))
        if len(loc) == 2 and isinstance(nested, dict) and str(loc[0]) != "fingerprints":
            rest[str(loc[0])] = {k: v for k, v in nested.items() if k != loc[1]}
        else:
            rest.pop(str(loc[0]), None)
            wrong.add(str(loc[0]))
    if "fingerprints" in wrong:
        rest["fingerprints"] = [{"type": "sha256", "value": "0" * 64}]
    try:
        partial = ReportIn.model_validate(rest)
    except ValidationError:
        return []  # no category, or nothing left to check
    return [
        error
        for error in rule_errors(partial, has_file=has_file)
        if error["field"] not in wrong and error["field"].split(".")[0] not in wrong
    ]


def _json_field(text: str) -> Any:
    """A JSON value from a form field; ValueError if it is not JSON (or nested too deeply)."""
    try:
        return json.loads(text)
    except RecursionError as exc:
        raise ValueError("nested too deeply") from exc


def form_payload(form: FormData) -> dict[str, Any]:
    """Flat form fields (`reporter.email`, ...) or one `report` JSON field, as a payload."""
    if isinstance(form.get("report"), str):
        try:
            report = _json_field(str(form["report"]))
        except ValueError as exc:  # json.JSONDecodeError is one
            raise InvalidInput("the `report` field is not JSON", code="invalid_json") from exc
        if not isinstance(report, dict):
            raise InvalidInput("the `report` field is not a JSON object", code="invalid_json")
        return report
    payload: dict[str, Any] = {}
    for key, value in form.multi_items():
        if isinstance(value, UploadFile) or key in ("file", "idempotency_key") or value == "":
            continue
        outer, _, inner = key.partition(".")
        # `reporter` and `reporter.email` in one form: which one is meant cannot be known.
        if (inner and outer in payload and not isinstance(payload[outer], dict)) or (
            not inner and isinstance(payload.get(outer), dict)
        ):
            raise InvalidInput(
                f"`{outer}` is given both whole and in parts",
                errors=[
                    {
                        "field": outer,
                        "message": f"give `{outer}` whole or in parts (`{outer}.name`), not both",
                        "type": "ambiguous",
                    }
                ],
            )
        if inner:
            payload.setdefault(outer, {})[inner] = value
        else:
            payload[key] = value
    if "good_faith_statement" in payload:
        payload["good_faith_statement"] = str(payload["good_faith_statement"]).lower() in TRUE_WORDS
    if "fingerprints" in payload:  # the form's browser-made hashes, one JSON list
        try:
            payload["fingerprints"] = _json_field(str(payload["fingerprints"]))
        except ValueError as exc:
            raise InvalidInput(
                "the `fingerprints` field is not JSON",
                errors=[
                    {"field": "fingerprints", "message": FINGERPRINTS_UNREADABLE, "type": "json"}
                ],
            ) from exc
    return payload


def idempotency_key_of(key: str | None, *, field: str = "Idempotency-Key") -> str | None:
    """The caller's Idempotency-Key, refused when longer than any retry needs (it is stored)."""
    if key is not None and len(key) > IDEMPOTENCY_KEY_CHARACTERS:
        raise InvalidInput(
            f"the Idempotency-Key is over {IDEMPOTENCY_KEY_CHARACTERS} characters",
            errors=[
                {
                    "field": field,
                    "message": f"at most {IDEMPOTENCY_KEY_CHARACTERS} characters",
                    "type": "string_too_long",
                    "params": {"most": IDEMPOTENCY_KEY_CHARACTERS},
                }
            ],
        )
    return key or None


async def read_file(upload: Any, settings: Settings) -> tuple[bytes | None, str | None]:
    if not isinstance(upload, UploadFile):
        return None, None
    limit = max_upload_bytes(settings)
    if upload.size is not None and upload.size > limit:
        raise MediaTooLarge(f"the attached file is over {limit} bytes", code="file_too_large")
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise MediaTooLarge(f"the attached file is over {limit} bytes", code="file_too_large")
    return (data or None), upload.filename


def accept(
    *, db_session: Session, settings: Settings, index: Any, submission: Submission
) -> Answer:
    """Run intake and commit before answering, so a 201 means the report is durable."""
    return accept_all(
        db_session=db_session, settings=settings, index=index, submissions=[submission]
    )[0]


def accept_all(
    *,
    db_session: Session,
    settings: Settings,
    index: Any,
    submissions: list[Submission],
    acknowledge_together: bool = False,
) -> list[Answer]:
    """Intake of several reports (the web form's extra addresses) in one transaction: all are
    stored, or none is and the error says why. `acknowledge_together`: one acknowledgment for
    them all (the submissions say acknowledge=False), queued in the same transaction.

    A transaction that loses a race (a unique key, a lock timeout) is retried from the start:
    intake is idempotent up to its commit, and stored media files are content-addressed.
    """
    for attempt in range(INTAKE_ATTEMPTS):
        try:
            answers = [
                submit_report(
                    db_session=db_session, settings=settings, index=index, submission=submission
                )
                for submission in submissions
            ]
            if acknowledge_together:
                _acknowledge(db_session, settings, answers)
            db_session.commit()
            return answers
        except (IntegrityError, OperationalError):
            db_session.rollback()
            if attempt == INTAKE_ATTEMPTS - 1:
                raise
            log.warning("report intake lost a race; retrying (attempt %d)", attempt + 2)
    raise AssertionError("unreachable")


def _acknowledge(db_session: Session, settings: Settings, answers: list[Answer]) -> None:
    from takedown.notify.service import queue_acknowledgment
    from takedown.reports.models import Report

    # A child-safety report kept past the rate limit is not emailed (reports/flows.py).
    emailed = [a for a in answers if not a.body.get("acknowledgment_withheld")]
    if not emailed:
        return
    filed = [db_session.get_one(Report, a.body["report_id"]) for a in emailed]
    queue_acknowledgment(db_session=db_session, settings=settings, filed=filed)


async def _json_body(request: Request) -> bytes:
    """The JSON body, refused with 413 `body_too_large` as soon as it passes what a valid report
    can hold (anyone may send one: a 300 MB body read whole took a server to 1.3 GB)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_JSON_BYTES:
        raise _body_too_large()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_JSON_BYTES:
            raise _body_too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _body_too_large() -> MediaTooLarge:
    return MediaTooLarge(
        f"a report's JSON body is at most {MAX_JSON_BYTES} bytes",
        code="body_too_large",
        limit_bytes=MAX_JSON_BYTES,
    )


@router.post(
    "/v1/reports",
    status_code=201,
    response_model=ReportAccepted,
    summary="Report content (open to the public; platforms use a key with scope `report`)",
    openapi_extra={
        "parameters": [
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": IDEMPOTENCY_KEY_CHARACTERS},
                "description": "a key of the caller's choosing (a UUID): a retry with the same "
                "key answers with the report it filed (`Idempotent-Replayed: true`), never a "
                "second report",
            }
        ],
        "responses": {
            "201": {
                "description": "Filed, and durable: the report's reference and tracking link",
                "headers": {
                    "Location": {"schema": {"type": "string"}, "description": "status_url"},
                    "Idempotent-Replayed": {
                        "schema": {"type": "string", "enum": ["true"]},
                        "description": "present when the Idempotency-Key was seen before",
                    },
                },
            }
        },
        "requestBody": {
            "content": {
                "application/json": {"schema": ReportIn.model_json_schema()},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "report": {"type": "string", "description": "the report as JSON"},
                            "file": {"type": "string", "format": "binary"},
                        },
                    }
                },
            }
        },
    },
)
async def create_report(
    request: Request,
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
    principal: Principal | None = Depends(optional_principal),
) -> JSONResponse:
    if principal is not None and not (
        Scope.REPORT in principal.scopes or Scope.ADMIN in principal.scopes
    ):
        raise Forbidden("this key lacks the 'report' scope", code="missing_scope")
    idempotency_key = idempotency_key_of(request.headers.get("idempotency-key"))
    content_type = request.headers.get("content-type", "")
    file_bytes, filename = None, None
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form(max_files=1, max_fields=60)
        payload = form_payload(form)
        file_bytes, filename = await read_file(form.get("file"), settings)
    else:
        try:
            payload = json.loads(await _json_body(request) or b"null")
        except (ValueError, RecursionError) as exc:  # not JSON, not UTF-8, nested too deeply
            raise InvalidInput("the body is not valid JSON", code="invalid_json") from exc
    submission = Submission(
        report=parse_report(payload, has_file=bool(file_bytes)),
        channel=Channel.PLATFORM if principal else Channel.API,
        file_bytes=file_bytes,
        filename=filename,
        api_key_id=principal.key_id if principal else None,
        trusted_flagger=principal is not None and Scope.TRUSTED_FLAGGER in principal.scopes,
        client_address=request.client.host if request.client else None,
        idempotency_key=idempotency_key,
    )
    answer = await run_in_threadpool(
        accept,
        db_session=db_session,
        settings=settings,
        index=getattr(request.app.state, "index", None),
        submission=submission,
    )
    headers = {"Location": answer.body["status_url"]}
    if answer.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(answer.body, status_code=201, headers=headers)


@router.post(
    "/v1/uploader-appeals", status_code=201, summary="An uploader appeals a removal (platforms)"
)
def create_uploader_appeal(
    body: PlatformUploaderAppealIn,
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
    principal: Principal = Depends(require_scope(Scope.REPORT)),
) -> dict[str, str]:
    """The uploader's appeal against a removal, as staff record one (POST
    /v1/cases/{case_id}/appeals): 409 `no_removal` for a case where nothing was removed."""
    appeal = record_uploader_appeal(
        db_session=db_session,
        settings=settings,
        case_id=body.case_id,
        actor=f"key:{principal.key_id}",
        reason=body.reason,
        contact_email=body.contact_email,
    )
    db_session.commit()
    return {"appeal_id": appeal.id, "case_id": appeal.case_id, "status": appeal.status}


class WithdrawalIn(BaseModel):
    tracking_token: str = Field(min_length=1, max_length=100)


class WithdrawalOut(BaseModel):
    report_id: str
    withdrawn_at: datetime


@router.post("/v1/reports/withdrawals", summary="A reporter withdraws their fingerprints")
def withdraw_report(
    body: WithdrawalIn,
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> WithdrawalOut:
    """The reporter of intimate imagery by fingerprint alone stops the search for their
    fingerprints; their name and email are erased (the tracking page's "Withdraw"). No key: the
    report's tracking token is the reporter's proof. The answer is the same whether or not
    anything had matched; a second call answers as the first. 409 `not_withdrawable` for any
    other report (child sexual abuse material is never withdrawn)."""
    report = service.report_by_token(db_session=db_session, tracking_token=body.tracking_token)
    case = get_case(db_session=db_session, case_id=report.case_id, for_update=True)
    withdrawn_at = withdrawal.withdraw(db_session=db_session, report=report, case=case)
    db_session.commit()
    erase_from_files(settings.resolved_database_url)
    return WithdrawalOut(report_id=report.id, withdrawn_at=withdrawn_at)


class ReporterFlagIn(BaseModel):
    email: EmailStr
    reason: str = ""
    clear: bool = False


class OfferedLanguage(BaseModel):
    tag: str
    name: str  # in the language itself


class OfferedLanguages(BaseModel):
    default: str
    languages: list[OfferedLanguage]


@router.get("/v1/languages", summary="Languages reporters are answered in")
def offered_languages(settings: Settings = Depends(get_settings)) -> OfferedLanguages:
    """The languages of the report form, the tracking page and reporter emails. A report's
    `language` (POST /v1/reports) picks one; an unoffered language gets the default."""
    return OfferedLanguages(
        default=default_language(settings),
        languages=[
            OfferedLanguage(tag=tag, name=language_name(tag)) for tag in languages(settings)
        ],
    )


@router.post("/v1/reporters/flags", summary="Mark a reporter as manifestly unfounded (DSA Art 23)")
def flag_reporter(
    body: ReporterFlagIn,
    db_session: Session = DB_SESSION,
    principal: Principal = Depends(require_role(Role.ADMIN)),
) -> dict[str, Any]:
    flag = service.flag_reporter(
        db_session=db_session,
        email=str(body.email),
        actor=f"user:{principal.user_id}",
        reason=body.reason,
        clear=body.clear,
    )
    db_session.commit()
    return {"email": flag.email, "flagged": flag.cleared_at is None, "reason": flag.reason}
