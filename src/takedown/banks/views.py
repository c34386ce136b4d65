"""Routes: /v1/banks (filled in by the scanning-core issue)."""

from fastapi import APIRouter

router = APIRouter(prefix="/v1/banks", tags=["banks"])
