"""The lookback job (service.py): newly banked hashes against the uploads already scanned."""

from __future__ import annotations

from typing import Any

from takedown.jobs.runner import PeriodicJob
from takedown.lookback.service import run_lookback
from takedown.settings import Settings


def lookback_job(app: Any) -> PeriodicJob:
    def run(settings: Settings) -> int:
        return run_lookback(settings, getattr(app.state, "index", None))

    return PeriodicJob("lookback", run, 15.0)
