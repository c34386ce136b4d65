"""Shapes the scan API answers with."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from takedown.scan.models import Verdict


class ScanForm(BaseModel):
    """POST /v1/scan's multipart form: validated by this model and documented in /docs from it."""

    file: bytes = Field(description="The uploaded image or video")
    content_id: str = Field(min_length=1, max_length=255, description="Platform content id")
    account_id: str | None = Field(None, max_length=255, description="Uploader's account id")
    content_url: str | None = Field(None, description="Where the content lives on the platform")
    published: bool = Field(
        False,
        description="The content is already public (a back-catalogue scan, or a re-scan of live "
        "content): a match in a csam or ncii bank opens a case at once, and a block bank's match "
        "also sends content.remove; the verdict still says what the bank wants",
    )


class MatchOut(BaseModel):
    bank: str
    entry_id: int
    signal_type: str
    distance: int | None = Field(description="Hamming distance for PDQ; null for exact signals")
    action: str = Field(description="block or review: the bank's action on match")
    category: str
    variant: str | None = Field(
        default=None, description="The PDQ orientation that matched, when not the original"
    )
    query_match_percent: float | None = Field(
        default=None, description="vPDQ: share of the upload's frames that matched"
    )
    index_match_percent: float | None = Field(
        default=None, description="vPDQ: share of the banked video's frames that matched"
    )


class ScanOut(BaseModel):
    content_id: str
    scan_id: str
    media_type: str
    signals: list[dict[str, Any]] = Field(description="[{type, value, quality, ...}]")
    matches: list[MatchOut]
    verdict: Verdict
    notes: list[str] = Field(
        default_factory=list,
        description="Caveats, e.g. a low-quality PDQ that was matched exactly only",
    )
    statement_of_reasons: dict[str, Any] | None = Field(
        None,
        description="For a blocked upload with an account_id: the DSA statement of reasons "
        "(Transparency Database format) to pass on to the uploader",
    )
    case_id: str | None = Field(
        None,
        description="published=true and a csam or ncii match: the case it opened or joined; "
        "an upload held because of its account's recent violation: its case",
    )


class LookupOut(BaseModel):
    signal_type: str
    value: str
    matches: list[MatchOut]
    verdict: Verdict
    notes: list[str] = Field(default_factory=list)
