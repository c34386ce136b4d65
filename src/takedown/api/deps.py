"""Dependencies every route uses: settings and a database session per request."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from takedown.settings import Settings
from takedown.store.db import session_factory


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_db_session(request: Request) -> Iterator[Session]:
    """A session that commits when the route returns normally, so an answer means durable.

    Routes take it as `db_session: Session = DB_SESSION`: its "function" scope commits before
    the response is sent (FastAPI's default "request" scope commits after the client has it).
    """
    session = session_factory(request.app.state.settings.resolved_database_url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


DB_SESSION = Depends(get_db_session, scope="function")
