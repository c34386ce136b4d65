"""Rule: a background job that waits on another service (the platform's webhook receiver, the
platform's media and status endpoints, NCMEC, a mail server, a hash exchange, the DSA database)
runs in a thread of its own, so a slow receiver holds up no other job. Found by a load test: with
a webhook receiver answering in 4 s, every job ran after the webhook pass in one thread, and
uploads a CSAM bank blocked became cases after 217 s instead of about 25 s."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient

from takedown.api.app import create_app
from takedown.jobs.runner import JobRunner, PeriodicJob, all_jobs

WAITS_ON_ANOTHER_SERVICE = {
    "webhook-delivery",
    "removal-checks",
    "case-platform-media",
    "notify-deliver",
    "ncmec-filing",
    "exchange-sync",
    "dsa-statements",
}


def test_every_job_that_waits_on_another_service_runs_in_its_own_thread(settings) -> None:  # type: ignore[no-untyped-def]
    with TestClient(create_app(settings)) as client:
        jobs = all_jobs(client.app)
    assert {job.name for job in jobs if job.own_thread} == WAITS_ON_ANOTHER_SERVICE


def test_a_job_waiting_on_another_service_holds_up_no_other_job(settings) -> None:  # type: ignore[no-untyped-def]
    receiver_answers = threading.Event()
    other_job_ran = threading.Event()

    def slow_delivery(_: object) -> None:
        receiver_answers.wait(timeout=30)

    runner = JobRunner(
        settings.model_copy(update={"job_interval_seconds": 0.05}),
        [
            PeriodicJob("slow-delivery", slow_delivery, 0.05, own_thread=True),
            PeriodicJob("cases-for-blocked-uploads", lambda _: other_job_ran.set(), 0.05),
        ],
    )
    runner.start()
    try:
        assert other_job_ran.wait(timeout=10), "the other job waited for the slow receiver"
        assert not receiver_answers.is_set()
    finally:
        receiver_answers.set()
        runner.stop()
