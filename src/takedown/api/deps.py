"""Dependencies every route uses: settings, a database session per request, and the check that
a GET of the API names no query parameter it does not read."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request
from fastapi.dependencies.utils import get_flat_params
from fastapi.params import ParamTypes
from fastapi.routing import APIRoute
from pydantic import Field
from sqlalchemy.orm import Session

from takedown.errors import InvalidInput
from takedown.settings import Settings
from takedown.store.db import session_factory


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_db_session(request: Request) -> AsyncIterator[Session]:
    """A session that commits when the route returns normally, so an answer means durable.

    Routes take it as `db_session: Session = DB_SESSION`: its "function" scope commits before
    the response is sent (FastAPI's default "request" scope commits after the client has it).
    Creating a session does no I/O (it connects on first use), so only the commit or rollback
    goes to a worker thread, and only when a transaction is open: a route that committed in its
    own thread (POST /v1/scan) costs no thread hop here.
    """
    session = session_factory(request.app.state.settings.resolved_database_url)()
    try:
        yield session
        if session.in_transaction():
            await _in_worker_thread(session.commit)
    except BaseException:
        if session.in_transaction():
            await _in_worker_thread(session.rollback)
        raise
    finally:
        session.close()  # no I/O left: the connection went back to the pool at commit/rollback


async def _in_worker_thread(finish: Callable[[], None]) -> None:
    # Shielded, so a cancelled request still finishes its commit or rollback; and not bounded
    # by the shared thread limiter (as FastAPI does for dependency exits), so requests holding
    # connections never wait behind requests waiting for a connection.
    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(finish, limiter=anyio.CapacityLimiter(1))


DB_SESSION = Depends(get_db_session, scope="function")

# The largest integer a row id can be: SQLite's INTEGER and PostgreSQL's BIGINT are 64-bit
# signed. A larger number names no row, and the database drivers raise on it rather than find
# nothing, so every integer id a route takes is declared as a `DatabaseId`:
#   `entry_id: DatabaseId` (path; out of range is a 404, api/problems.py),
#   `after_id: Annotated[DatabaseId, Query(description=...)] = 0` (query; out of range is a 422).
DATABASE_ID_MAX = 2**63 - 1
DatabaseId = Annotated[int, Field(ge=0, le=DATABASE_ID_MAX)]


def refuse_unknown_query(request: Request) -> None:
    """A GET of the API (/v1) names only the query parameters it reads: another (an `offset`
    where paging takes `after`, a misspelt filter) is 422 `unknown_parameter`, never a silent
    full answer that a client would take for what it asked."""
    route = request.scope.get("route")
    if request.method != "GET" or not request.url.path.startswith("/v1/"):
        return
    if not isinstance(route, APIRoute):
        return
    known = {param.alias for param in get_flat_params(route.dependant) if _in_query(param)}
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise InvalidInput(
            f"unknown query parameter {', '.join(unknown)}; this route takes "
            f"{', '.join(sorted(known)) or 'none'}",
            code="unknown_parameter",
            errors=[
                {"field": name, "message": "not a parameter of this route", "type": "unknown"}
                for name in unknown
            ],
        )


REFUSE_UNKNOWN_QUERY = Depends(refuse_unknown_query)


def _in_query(param: Any) -> bool:
    return getattr(param.field_info, "in_", None) != ParamTypes.header
