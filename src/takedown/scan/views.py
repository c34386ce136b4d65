"""Routes: POST /v1/scan (hash, match, decide, record) and GET /v1/lookup (match one hash)."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile

from takedown.api.deps import get_settings
from takedown.auth.dependencies import authorize, require_scope
from takedown.auth.models import Scope
from takedown.auth.service import Principal
from takedown.banks.service import normalise_entry
from takedown.errors import InvalidInput, MediaTooLarge
from takedown.scan import flows, metrics
from takedown.scan.schemas import LookupOut, MatchOut, ScanOut
from takedown.settings import Settings
from takedown.store.db import session_factory

router = APIRouter(prefix="/v1", tags=["scan"])


def _read_upload(upload: UploadFile, limit: int) -> bytes:
    """The upload's bytes, refusing more than `limit` without reading them all into memory."""
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise MediaTooLarge(f"uploads are limited to {limit} bytes", limit=limit)
    if not data:
        raise InvalidInput("the uploaded file is empty", code="empty_file")
    return data


# The hot path, so it is written leaner than other routes (bench/RESULTS.md, POST /v1/scan):
# - a plain `def`: hashing is CPU-bound, so FastAPI runs it in its thread pool, and everything
#   else that blocks (the key check, the ledger write and its commit) happens in that same worker
#   thread: one thread hop per scan instead of five;
# - no dependencies but the form: the session is opened and committed here rather than by
#   DB_SESSION, and the key is checked by `authorize` (FastAPI's dependency machinery cost
#   0.26 ms a scan);
# - the answer is returned as a ready Response (FastAPI would validate a returned model again).
@router.post("/scan", response_model=ScanOut, summary="Scan an upload against the hash banks")
def scan(
    request: Request,
    file: UploadFile = File(..., description="The uploaded image or video"),
    content_id: str = Form(..., min_length=1, max_length=255, description="Platform content id"),
    account_id: str | None = Form(None, max_length=255, description="Uploader's account id"),
    content_url: str | None = Form(None, description="Where the content lives on the platform"),
) -> Response:
    """Hash the upload, match every signal (every PDQ orientation) against the enabled banks,
    and answer block, review or allow. The scan and its matches are recorded before the answer."""
    started = time.perf_counter()
    settings: Settings = request.app.state.settings
    # Closing the session rolls back whatever was not committed (an error on the way).
    with session_factory(settings.resolved_database_url)() as db_session:
        authorize(db_session=db_session, request=request, scope=Scope.SCAN)
        data = _read_upload(file, max(settings.max_image_bytes, settings.max_video_bytes))
        result = flows.scan_upload(
            db_session=db_session,
            settings=settings,
            index=request.app.state.index,
            data=data,
            content_id=content_id,
            account_id=account_id or None,
            content_url=content_url or None,
            filename=file.filename,
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
