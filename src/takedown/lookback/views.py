"""Route: GET /v1/lookback (scope `banks`): whether newly banked hashes have been looked for
among the uploads already scanned."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from takedown.api.deps import DB_SESSION, get_settings
from takedown.auth.dependencies import require_scope
from takedown.auth.models import Scope
from takedown.auth.service import Principal
from takedown.lookback.models import LookbackSearch
from takedown.lookback.schemas import LookbackOut, LookbackSearchOut
from takedown.scan.models import ContentItem
from takedown.settings import Settings

router = APIRouter(prefix="/v1", tags=["banks"])


@router.get("/lookback", response_model=LookbackOut, summary="Lookback searches, newest first")
def list_lookback_searches(
    limit: int = Query(20, ge=1, le=200),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
    _: Principal = Depends(require_scope(Scope.BANKS)),
) -> LookbackOut:
    searches = db_session.scalars(
        select(LookbackSearch).order_by(LookbackSearch.id.desc()).limit(limit)
    )
    return LookbackOut(
        enabled=settings.lookback_opens_cases,
        searches=[
            LookbackSearchOut(
                id=search.id,
                status=search.status,
                entries=search.entries,
                uploads_searched=search.searched,
                uploads_in_range=search.searched + _left(db_session, search),
                found=search.found,
                created_at=search.created_at,
                finished_at=search.finished_at,
            )
            for search in searches
        ],
    )


def _left(db_session: Session, search: LookbackSearch) -> int:
    """Uploads of the search's range not yet searched (none once it is done)."""
    return int(
        db_session.scalar(
            select(func.count()).where(
                ContentItem.id > search.position, ContentItem.id <= search.ledger_end
            )
        )
        or 0
    )
