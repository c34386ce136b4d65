"""The overview: `GET /v1/overview` (staff token) and the console's Overview page."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from takedown.api.deps import DB_SESSION
from takedown.auth.dependencies import require_role
from takedown.auth.models import Role
from takedown.auth.service import Principal
from takedown.console.auth import ConsoleUser, require_console_user
from takedown.operations.overview import overview
from takedown.web.templating import render

router = APIRouter()


@router.get("/v1/overview", tags=["staff: cases and review"])
def overview_api(
    _: Principal = Depends(require_role(Role.REVIEWER)),
    db_session: Session = DB_SESSION,
) -> dict[str, Any]:
    """The review backlog by priority, the last seven days' time to action, what waits on a
    person, and whether the pipelines behind decisions are flowing; counts only."""
    return asdict(overview(db_session))


@router.get("/console/overview", response_class=HTMLResponse, include_in_schema=False)
def overview_page(
    request: Request,
    me: ConsoleUser = Depends(require_console_user(Role.REVIEWER)),
    db_session: Session = DB_SESSION,
) -> HTMLResponse:
    return render(request, "operations/overview.html", {"me": me, "found": overview(db_session)})
