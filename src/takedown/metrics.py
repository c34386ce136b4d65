"""The two kinds of Prometheus gauge, so /metrics reads right with several server processes
(`takedown serve --workers N` shares prometheus_client's multiprocess directory; counters and
histograms are summed over the processes on their own).

- `database_gauge`: a figure read from the database, the same in every process; the most recent
  value wins.
- `process_gauge`: a figure of one process (its index, its refresh lag); one series per live
  process, labelled with its pid.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from prometheus_client import Gauge


def database_gauge(name: str, documentation: str, labelnames: Sequence[str] = ()) -> Gauge:
    return Gauge(name, documentation, labelnames, multiprocess_mode="mostrecent")


def process_gauge(name: str, documentation: str, labelnames: Sequence[str] = ()) -> Gauge:
    return Gauge(name, documentation, labelnames, multiprocess_mode="liveall")


FINAL_RECOUNT_SECONDS = 60.0
_final_counted_at: dict[Gauge, float] = {}


def recount_final_states(gauge: Gauge, *, moved: bool) -> bool:
    """Whether a database gauge by state counts its final states this time (an event delivered,
    a search done, a report filed). Rows only ever join those, so counting them reads all of the
    table's state index; a job counts its waiting states on every run (a short index range) and
    the final ones when it moved rows into them itself, else once a minute (another process's
    work, or a request's)."""
    now = time.monotonic()
    if moved or now - _final_counted_at.get(gauge, -FINAL_RECOUNT_SECONDS) >= FINAL_RECOUNT_SECONDS:
        _final_counted_at[gauge] = now
        return True
    return False
