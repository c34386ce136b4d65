"""The admins' Wellbeing page: how much each reviewer has been exposed to over the last week
(originals revealed, child-safety decisions), most exposed first, so a lead can rotate people off
the child-safety queues before it harms them. Counts only (review/exposure.py)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from takedown.api.deps import DB_SESSION, get_settings
from takedown.auth.models import Role
from takedown.console.auth import ConsoleUser, require_console_user
from takedown.console.views import page
from takedown.review.exposure import TEAM_DAYS, team_exposure
from takedown.settings import Settings

router = APIRouter(prefix="/console/wellbeing", include_in_schema=False)
admin = require_console_user(Role.ADMIN)


@router.get("")
def wellbeing_page(
    request: Request,
    me: ConsoleUser = Depends(admin),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> HTMLResponse:
    return page(
        request,
        "wellbeing.html",
        me,
        team=team_exposure(db_session),
        days=TEAM_DAYS,
        break_after=settings.wellbeing_break_reveals,
        daily_limit=settings.wellbeing_daily_reveal_limit,
    )
