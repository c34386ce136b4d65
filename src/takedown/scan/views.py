"""Routes: POST /v1/scan (hash, match, decide, record) and GET /v1/lookup (match one hash)."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from takedown.api.deps import get_settings
from takedown.auth.dependencies import authorize, authorize_remembered, require_scope
from takedown.auth.models import Scope
from takedown.auth.service import Principal
from takedown.banks.service import normalise_entry
from takedown.errors import InvalidInput
from takedown.media import max_upload_bytes
from takedown.media.upload import MEDIA_ERRORS
from takedown.scan import flows, metrics
from takedown.scan.form import read_scan_upload
from takedown.scan.schemas import LookupOut, MatchOut, ScanForm, ScanOut
from takedown.settings import Settings
from takedown.store.db import session_factory

router = APIRouter(prefix="/v1", tags=["scan"])


_SCAN_FORM_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": ScanForm.model_json_schema()}},
    }
}
_SCAN_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing_api_key, invalid_api_key"},
    403: {"description": "missing_scope"},
    **MEDIA_ERRORS,
    422: {
        "description": "invalid_input (form fields), empty_file, "
        + MEDIA_ERRORS[422]["description"]
    },
}


# The hot path, so it is written leaner than other routes (bench/RESULTS.md, POST /v1/scan):
# - the key is checked first, from the keys this process checked in the last
#   `api_key_cache_seconds` (at most 2 s: how long a revoked key may still scan) without the
#   database; a key not seen that recently is checked in a worker thread before any of the body
#   is read, so unauthenticated callers never get their upload read;
# - the multipart body is parsed here as it streams in (scan/form.py: the file into memory,
#   413 as soon as it passes the limit), not by FastAPI's File/Form parameters, which spool the
#   file and validate through the dependency machinery; ScanForm validates the fields (422 as
#   before) and documents them in /docs;
# - then one worker-thread hop for everything that blocks: hashing (CPU-bound), matching, the
#   ledger rows and the durable commit (DB_SESSION's dependency would cost more);
# - the answer is returned as a ready Response (FastAPI would validate a returned model again).
@router.post(
    "/scan",
    response_model=ScanOut,
    openapi_extra=_SCAN_FORM_DOC,
    responses=_SCAN_ERRORS,
    summary="Scan an upload against the hash banks",
)
async def scan(request: Request) -> Response:
    """Hash the upload, match every signal (every PDQ orientation) against the enabled banks,
    and answer block, review or allow. The scan and its matches are recorded before the answer."""
    settings: Settings = request.app.state.settings
    database_url = settings.resolved_database_url
    if authorize_remembered(request=request, scope=Scope.SCAN, database_url=database_url) is None:
        await run_in_threadpool(_check_key, request, settings, database_url)
    upload = await read_scan_upload(request, max_file_bytes=max_upload_bytes(settings))
    started = time.perf_counter()  # takedown_scan_seconds: from the upload's last byte on
    try:
        form = ScanForm(file=upload.data, **upload.fields)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None
    if not form.file:
        raise InvalidInput("the uploaded file is empty", code="empty_file")
    return await run_in_threadpool(
        _scan, request, settings, database_url, form, upload.filename, started
    )


def _check_key(request: Request, settings: Settings, database_url: str) -> None:
    with session_factory(database_url)() as db_session:
        authorize(
            db_session=db_session,
            request=request,
            scope=Scope.SCAN,
            remember_for=settings.api_key_cache_seconds,
            database_url=database_url,
        )


def _scan(
    request: Request,
    settings: Settings,
    database_url: str,
    form: ScanForm,
    filename: str | None,
    started: float,
) -> Response:
    # Closing the session rolls back whatever was not committed (an error on the way).
    with session_factory(database_url)() as db_session:
        result = flows.scan_upload(
            db_session=db_session,
            settings=settings,
            index=request.app.state.index,
            data=form.file,
            content_id=form.content_id,
            account_id=form.account_id or None,
            content_url=form.content_url or None,
            filename=filename,
            published=form.published,
        )
        db_session.commit()  # durable before the answer
    answer = ScanOut(
        content_id=result.content_id,
        scan_id=result.scan_id,
        media_type=result.media_type,
        signals=result.signals,
        matches=[MatchOut(**m.as_dict()) for m in result.matches],
        verdict=result.verdict,
        notes=result.notes,
        statement_of_reasons=result.statement_of_reasons,
        case_id=result.case_id,
    )
    response = Response(answer.model_dump_json(), media_type="application/json")
    metrics.SCAN_SECONDS.observe(time.perf_counter() - started)
    return response


@router.get("/lookup", response_model=LookupOut, summary="Match one hash against the banks")
def lookup(
    request: Request,
    signal_type: str = Query(..., description="pdq, md5, sha256, video_md5, ..."),
    value: str = Query(..., description="The hash (hex)"),
    settings: Settings = Depends(get_settings),
    _: Principal = Depends(require_scope(Scope.SCAN)),
) -> LookupOut:
    outcome = flows.lookup(
        index=request.app.state.index, settings=settings, signal_type=signal_type, value=value
    )
    normalised_type, normalised_value = normalise_entry(signal_type, value)
    return LookupOut(
        signal_type=normalised_type,
        value=normalised_value,
        matches=[MatchOut(**m.as_dict()) for m in outcome.matches],
        verdict=outcome.verdict,
        notes=outcome.notes,
    )
