"""Routes: POST /v1/scan, POST /v1/hash, GET /v1/lookup (filled in by the scanning-core issue)."""

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["scan"])
