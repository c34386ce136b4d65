"""Statements of reasons: list and export as DSA Transparency Database batches (staff API)."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from takedown.api.deps import DB_SESSION
from takedown.auth.dependencies import require_role
from takedown.auth.models import Role
from takedown.auth.service import Principal
from takedown.errors import NotFound
from takedown.transparency import service
from takedown.transparency.models import StatementRecord
from takedown.transparency.schemas import MAX_BATCH

router = APIRouter(prefix="/v1/statements-of-reasons", tags=["staff: transparency"])


def _bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    from datetime import UTC

    lower = datetime.combine(start, time.min, UTC) if start else None
    upper = datetime.combine(end + timedelta(days=1), time.min, UTC) if end else None
    return lower, upper


@router.get("")
def list_statements(
    case_id: str | None = None,
    account_id: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    _: Principal = Depends(require_role(Role.REVIEWER)),
    db_session: Session = DB_SESSION,
) -> dict[str, Any]:
    query = select(StatementRecord).order_by(StatementRecord.created_at.desc()).limit(limit)
    if case_id:
        query = query.where(StatementRecord.case_id == case_id)
    if account_id:
        query = query.where(StatementRecord.account_id == account_id)
    return {
        "statements": [
            {
                "id": r.id,
                "case_id": r.case_id,
                "content_id": r.content_id,
                "account_id": r.account_id,
                "restriction": r.restriction,
                "status": r.status,
                "database_uuid": r.database_uuid,
                "statement": r.body,
            }
            for r in db_session.scalars(query)
        ]
    }


@router.get("/export")
def export_batch(
    start: date | None = Query(None, alias="from"),
    end: date | None = Query(None, alias="to"),
    batch: int = Query(1, ge=1),
    _: Principal = Depends(require_role(Role.REVIEWER)),
    db_session: Session = DB_SESSION,
) -> dict[str, Any]:
    """Batch `batch` (from 1) of at most 100 statements, as the database's batch endpoint takes."""
    lower, upper = _bounds(start, end)
    count_query = select(func.count()).select_from(StatementRecord)
    if lower:
        count_query = count_query.where(StatementRecord.created_at >= lower)
    if upper:
        count_query = count_query.where(StatementRecord.created_at < upper)
    total = db_session.scalar(count_query) or 0
    batches = math.ceil(total / MAX_BATCH)
    for number, body in enumerate(
        service.export_batches(db_session=db_session, start=lower, end=upper), start=1
    ):
        if number == batch:
            return {"batch": batch, "batches": batches, "total": total, **body}
    if total == 0 and batch == 1:
        return {"batch": 1, "batches": 0, "total": 0, "statements": []}
    raise NotFound(f"there are {batches} batches", code="batch_not_found")
