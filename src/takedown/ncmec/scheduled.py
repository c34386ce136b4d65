"""The filing job: send due CyberTipline filings, and keep the state gauges current."""

from __future__ import annotations

from sqlalchemy import func, select

from takedown import clock
from takedown.jobs.runner import PeriodicJob
from takedown.metrics import add_to_final_state, final_states_due, set_final_states
from takedown.ncmec import metrics
from takedown.ncmec.flows import claim, due_filing_ids, run_filing
from takedown.ncmec.models import FilingState, NcmecFiling
from takedown.settings import Settings
from takedown.store.db import session_scope

EVERY_SECONDS = 5.0


def file_due_reports(settings: Settings) -> dict[str, str]:
    """Attempt every due filing this worker can claim; returns {filing_id: state after}."""
    results: dict[str, str] = {}
    for filing_id in due_filing_ids(settings):
        if claim(settings, filing_id):
            results[filing_id] = run_filing(settings, filing_id)
    finished = sum(1 for state in results.values() if state == FilingState.FINISHED.value)
    update_gauges(settings, finished_now=finished)
    return results


def update_gauges(settings: Settings, *, finished_now: int) -> None:
    recount = final_states_due(metrics.FILINGS)
    states = [s for s in FilingState if recount or s != FilingState.FINISHED]
    unfinished = [s.value for s in FilingState if s != FilingState.FINISHED]
    with session_scope(settings.resolved_database_url) as db_session:
        counts = dict(
            db_session.execute(
                select(NcmecFiling.state, func.count())
                .where(NcmecFiling.state.in_([s.value for s in states]))
                .group_by(NcmecFiling.state)
            ).all()
        )
        stuck = db_session.scalar(
            select(func.count()).where(
                NcmecFiling.state == FilingState.FAILED, NcmecFiling.next_attempt_at.is_(None)
            )
        )
        oldest = db_session.scalar(
            select(func.min(NcmecFiling.created_at)).where(NcmecFiling.state.in_(unfinished))
        )
    finished = FilingState.FINISHED.value
    for state in unfinished:
        metrics.FILINGS.labels(state).set(counts.get(state, 0))
    if recount:
        set_final_states(metrics.FILINGS, {finished: counts.get(finished, 0)})
    else:
        add_to_final_state(metrics.FILINGS, finished, finished_now)
    metrics.GIVEN_UP.set(stuck or 0)
    age = (clock.now() - oldest).total_seconds() if oldest else 0.0
    metrics.OLDEST_UNFINISHED.set(max(age, 0.0))


def filing_job() -> PeriodicJob:
    return PeriodicJob("ncmec-filing", file_due_reports, EVERY_SECONDS, own_thread=True)
