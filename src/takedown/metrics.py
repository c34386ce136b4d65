"""The two kinds of Prometheus gauge, so /metrics reads right with several server processes
(`takedown serve --workers N` shares prometheus_client's multiprocess directory; counters and
histograms are summed over the processes on their own).

- `database_gauge`: a figure read from the database, the same in every process; the most recent
  value wins.
- `process_gauge`: a figure of one process (its index, its refresh lag); one series per live
  process, labelled with its pid.
"""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import Gauge


def database_gauge(name: str, documentation: str, labelnames: Sequence[str] = ()) -> Gauge:
    return Gauge(name, documentation, labelnames, multiprocess_mode="mostrecent")


def process_gauge(name: str, documentation: str, labelnames: Sequence[str] = ()) -> Gauge:
    return Gauge(name, documentation, labelnames, multiprocess_mode="liveall")
