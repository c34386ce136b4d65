"""Shapes of the signals API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from takedown.media import MediaType


class HashResponse(BaseModel):
    media_type: MediaType
    signals: list[dict[str, Any]] = Field(
        description='[{"type", "value", "quality", ...}]; pdq adds "variant" and "low_quality"; '
        'vpdq adds "variant" (a rotated video as stored) and "stream" (a further video stream)'
    )
