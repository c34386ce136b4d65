"""Submit statements to the DSA Transparency Database's batch endpoint (at most 100 a call).

`TAKEDOWN_DSA_DATABASE_URL` is the database's base URL (the sandbox while onboarding); the
statements go to `<base>/api/v1/statements` with the bearer `TAKEDOWN_DSA_DATABASE_TOKEN`.
A 201 answer carries each statement back with its `uuid`; a 422 names the bad ones as
`statement_<i>` and creates none, so the good ones are sent again on the next run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx
from sqlalchemy import select

from takedown import clock
from takedown.settings import Settings
from takedown.store.db import session_scope
from takedown.transparency.models import StatementRecord
from takedown.transparency.schemas import MAX_BATCH

log = logging.getLogger(__name__)


@dataclass
class SubmitRun:
    submitted: int = 0
    rejected: int = 0
    failed: int = 0


def endpoint(settings: Settings) -> str:
    return settings.dsa_database_url.rstrip("/") + "/api/v1/statements"


def submit_pending(settings: Settings) -> SubmitRun:
    """Send one batch of pending statements; does nothing unless the database is configured."""
    run = SubmitRun()
    if not settings.dsa_database_url:
        return run
    url = settings.resolved_database_url
    with session_scope(url) as db_session:
        query = (
            select(StatementRecord.id, StatementRecord.body)
            .where(StatementRecord.status == "pending")
            .order_by(StatementRecord.created_at, StatementRecord.id)
            .limit(MAX_BATCH)
        )
        if db_session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = db_session.execute(query).all()
        if not rows:
            return run
        headers = {
            "Authorization": f"Bearer {settings.dsa_database_token.get_secret_value()}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        # Held under the row locks on PostgreSQL, so two processes never send the same batch.
        try:
            response = httpx.post(
                endpoint(settings),
                json={"statements": [body for _, body in rows]},
                headers=headers,
                timeout=30.0,
            )
        except httpx.HTTPError as exc:
            _fail(db_session, [r[0] for r in rows], f"{type(exc).__name__}: {exc}")
            run.failed = len(rows)
            return run
        if response.status_code == 201:
            uuids = {
                item.get("puid"): item.get("uuid")
                for item in response.json().get("statements", [])
                if isinstance(item, dict)
            }
            now = clock.now()
            for statement_id, _ in rows:
                record = db_session.get(StatementRecord, statement_id)
                if record is not None:
                    record.status, record.submitted_at = "submitted", now
                    record.database_uuid, record.last_error = uuids.get(statement_id), None
            run.submitted = len(rows)
            return run
        if response.status_code == 422:
            errors = (response.json() or {}).get("errors", {})
            for index, (statement_id, _) in enumerate(rows):
                problem = errors.get(f"statement_{index}")
                if problem:
                    record = db_session.get(StatementRecord, statement_id)
                    if record is not None:
                        record.status, record.last_error = "rejected", str(problem)[:2000]
                        run.rejected += 1
            if run.rejected:
                return run
        _fail(
            db_session, [r[0] for r in rows], f"HTTP {response.status_code}: {response.text[:500]}"
        )
        run.failed = len(rows)
        return run


def _fail(db_session: object, ids: list[str], error: str) -> None:
    log.warning("DSA database submission failed, will retry: %s", error)
    for statement_id in ids:
        record = db_session.get(StatementRecord, statement_id)  # type: ignore[attr-defined]
        if record is not None:
            record.last_error = error[:2000]
