"""Submit statements to the DSA Transparency Database's batch endpoint (at most 100 a call).

`TAKEDOWN_DSA_DATABASE_URL` is the database's base URL (the sandbox while onboarding); the
statements go to `<base>/api/v1/statements` with the bearer `TAKEDOWN_DSA_DATABASE_TOKEN`.
A 201 answer carries each statement back with its `uuid`; a 422 names the bad ones as
`statement_<i>` and creates none, so the good ones are sent again on the next run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from takedown import clock
from takedown.settings import Settings
from takedown.store.db import session_scope
from takedown.transparency.metrics import refresh_statement_gauges
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


# Batches a run sends while each is taken whole: 2,000 statements a minute, so the statements of
# a removal of 50,000 copies go in under half an hour (one batch a minute took eight hours).
BATCHES_PER_RUN = 20


def submit_pending(settings: Settings) -> SubmitRun:
    """Send pending statements, batch after batch while the database takes each whole (a
    refusal or failure waits for the next run), then refresh the waiting-statement gauges; does
    nothing unless the database is configured (statements exported by hand stay pending)."""
    if not settings.dsa_database_url:
        return SubmitRun()
    run = SubmitRun()
    for _ in range(BATCHES_PER_RUN):
        batch = _submit_batch(settings)
        run.submitted += batch.submitted
        run.rejected += batch.rejected
        run.failed += batch.failed
        if batch.rejected or batch.failed or batch.submitted < MAX_BATCH:
            break
    with session_scope(settings.resolved_database_url) as db_session:
        refresh_statement_gauges(db_session)
    return run


def _submit_batch(settings: Settings) -> SubmitRun:
    run = SubmitRun()
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
            errors = _errors(response)
            # Puids the database already holds: an earlier call reached it and its answer was
            # lost (a timeout). Those statements are in; sent again they would be refused on
            # every run, and every statement queued behind them would wait for ever.
            held = {str(puid) for puid in errors.get("existing_puids") or []}
            now = clock.now()
            for index, (statement_id, _) in enumerate(rows):
                problem = errors.get(f"statement_{index}")
                record = db_session.get(StatementRecord, statement_id)
                if record is None:
                    continue
                if statement_id in held:
                    record.status, record.submitted_at, record.last_error = "submitted", now, None
                    run.submitted += 1
                elif problem:
                    record.status, record.last_error = "rejected", str(problem)[:2000]
                    run.rejected += 1
            if run.rejected or run.submitted:
                return run
        _fail(
            db_session, [r[0] for r in rows], f"HTTP {response.status_code}: {response.text[:500]}"
        )
        run.failed = len(rows)
        return run


def _errors(response: httpx.Response) -> dict[str, Any]:
    """The `errors` of a 422 answer; empty when the body is not the database's JSON."""
    try:
        errors = response.json().get("errors")
    except (ValueError, AttributeError):
        return {}
    return errors if isinstance(errors, dict) else {}


def _fail(db_session: object, ids: list[str], error: str) -> None:
    log.warning("DSA database submission failed, will retry: %s", error)
    for statement_id in ids:
        record = db_session.get(StatementRecord, statement_id)  # type: ignore[attr-defined]
        if record is not None:
            record.last_error = error[:2000]
