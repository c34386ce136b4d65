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
from dataclasses import dataclass

from prometheus_client import Gauge


def database_gauge(name: str, documentation: str, labelnames: Sequence[str] = ()) -> Gauge:
    return Gauge(name, documentation, labelnames, multiprocess_mode="mostrecent")


def process_gauge(name: str, documentation: str, labelnames: Sequence[str] = ()) -> Gauge:
    return Gauge(name, documentation, labelnames, multiprocess_mode="liveall")


FINAL_RECOUNT_SECONDS = 60.0


@dataclass
class _FinalCount:
    at: float  # time.monotonic() of the count
    values: dict[str, int]


_final_counts: dict[Gauge, _FinalCount] = {}


def final_states_due(gauge: Gauge) -> bool:
    """Whether a database gauge by state counts its final states (an event delivered, a search
    done, a report filed) from the database this time: once a minute. Rows only ever join those
    states, so counting them reads all of the table's state index, which grows with the history;
    between counts the job that moved rows into a final state adds them (`add_to_final_state`).
    A job counts its waiting states on every run (a short index range)."""
    last = _final_counts.get(gauge)
    return last is None or time.monotonic() - last.at >= FINAL_RECOUNT_SECONDS


def set_final_states(gauge: Gauge, counts: dict[str, int]) -> None:
    """The final states as just counted from the database."""
    _final_counts[gauge] = _FinalCount(at=time.monotonic(), values=dict(counts))
    for state, count in counts.items():
        gauge.labels(state).set(count)


def add_to_final_state(gauge: Gauge, state: str, moved: int) -> None:
    """Rows this process just moved into a final state, added to the last count. Another
    process's moves show at the next count."""
    last = _final_counts.get(gauge)
    if last is None or not moved:
        return
    last.values[state] = last.values.get(state, 0) + moved
    gauge.labels(state).set(last.values[state])
