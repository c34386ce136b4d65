"""POST /v1/hash: an upload's signals, nothing stored."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from takedown.api.deps import get_settings
from takedown.auth.dependencies import require_scope
from takedown.auth.service import Principal
from takedown.media import max_upload_bytes
from takedown.media.upload import MEDIA_ERRORS, read_capped_form, read_upload
from takedown.settings import Settings
from takedown.signals.schemas import HashResponse
from takedown.signals.service import hash_media

router = APIRouter(prefix="/v1", tags=["signals"])

_MULTIPART_FILE = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


@router.post(
    "/hash",
    response_model=HashResponse,
    openapi_extra=_MULTIPART_FILE,
    responses=MEDIA_ERRORS,
    summary="Compute an upload's signals (PDQ and variants, MD5, SHA-256; vPDQ for video)",
)
async def hash_upload(
    request: Request,
    _: Principal = Depends(require_scope("scan")),
    settings: Settings = Depends(get_settings),
) -> HashResponse:
    # The body is read here, after auth, and cut off at the size limit (not by FastAPI's parser).
    limit = max_upload_bytes(settings)
    form = await read_capped_form(request, max_bytes=limit)
    data, filename = await read_upload(form, "file", max_bytes=limit)
    # purpose=bank: videos sampled densely (docs/match-quality.md), uploads stay at 1 frame/s.
    dense = form.get("purpose") == "bank"
    result = await run_in_threadpool(
        hash_media,
        data,
        settings=settings,
        filename=filename,
        frames_per_second=settings.bank_video_frames_per_second if dense else None,
    )
    return HashResponse(media_type=result.media_type, signals=result.signals)
