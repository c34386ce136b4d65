"""Run periodic jobs in a background thread. Every job must be safe to run in several processes
at once (claims rows in the database), and idempotent, because a crash can repeat it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from takedown.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    run: Callable[[Settings], object]
    every_seconds: float
    # Waits on another service (the platform's webhook receiver, NCMEC, a mail server): runs in
    # a thread of its own, so a slow receiver holds up no other job (a 4 s webhook receiver
    # once kept blocked uploads from becoming cases for 217 s).
    own_thread: bool = False


class JobRunner:
    def __init__(self, settings: Settings, jobs: list[PeriodicJob]) -> None:
        self.settings = settings
        self.jobs = jobs
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._last_run: dict[str, float] = {}

    def start(self) -> None:
        """One thread for the jobs that work on the database alone, one for each that waits on
        another service."""
        lanes = [[job for job in self.jobs if not job.own_thread]]
        lanes += [[job] for job in self.jobs if job.own_thread]
        for lane in lanes:
            name = "takedown-jobs" if len(lane) != 1 else f"takedown-job-{lane[0].name}"
            thread = threading.Thread(target=self._loop, args=(lane,), name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def run_due(self, jobs: list[PeriodicJob] | None = None) -> None:
        """Run every job whose interval has passed (also called directly by tests)."""
        for job in self.jobs if jobs is None else jobs:
            last = self._last_run.get(job.name)  # never run here yet: due now, however long
            if last is not None and time.monotonic() - last < job.every_seconds:
                continue
            self._last_run[job.name] = time.monotonic()
            try:
                job.run(self.settings)
            except Exception:
                log.exception("job %s failed; it will run again", job.name)

    def _loop(self, jobs: list[PeriodicJob]) -> None:
        while not self._stop.is_set():
            self.run_due(jobs)
            self._stop.wait(self.settings.job_interval_seconds)


def all_jobs(app: object) -> list[PeriodicJob]:
    """Every concern's periodic jobs. A concern with timed work adds its jobs here.

    `app` gives per-process jobs (like the index refresh) the app state they keep current.
    """
    from takedown.index.service import refresh_job

    jobs: list[PeriodicJob] = [refresh_job(app)]

    from takedown.banks.scheduled import entry_counts_job

    jobs.append(entry_counts_job())  # each bank's entry-count rows folded into one

    from takedown.scan.retention import retention_job

    jobs.append(retention_job())  # allowed scans past TAKEDOWN_LEDGER_RETENTION_DAYS

    from takedown.reports.retention import contact_retention_job

    jobs.append(contact_retention_job())  # reporters' contact past its retention period

    from takedown.reports.lost_links import lost_links_job

    jobs.append(lost_links_job())  # `/track` requests for an address's tracking links

    from takedown.audit.checkpoints import checkpoint_job

    jobs.append(checkpoint_job())  # the audit chain's head, signed, kept outside the database

    from takedown.ncmec.scheduled import filing_job

    jobs.append(filing_job())  # CyberTipline filing with retries

    from takedown.exchanges.scheduled import exchange_sync_job

    jobs.append(exchange_sync_job())  # banks that follow a hash exchange

    from takedown.cases.blocked_uploads import blocked_upload_job
    from takedown.cases.scheduled import escalation_job, platform_media_job
    from takedown.notify.scheduled import delivery_job

    jobs += [escalation_job(), platform_media_job(app), delivery_job()]  # reports and cases
    jobs.append(blocked_upload_job(app))  # cases for uploads a CSAM bank blocked

    from takedown.lookback.scheduled import lookback_job

    jobs.append(lookback_job(app))  # live uploads matching hashes banked after them

    from takedown.enforcement.scheduled import jobs as enforcement_jobs

    # webhook outbox, evidence purge, media cleanup, DSA statements
    jobs += enforcement_jobs(app.state.settings)  # type: ignore[attr-defined]
    return jobs
