"""Prometheus metrics of quality checks."""

from __future__ import annotations

from prometheus_client import Counter

SAMPLED = Counter(
    "takedown_quality_checks_sampled_total",
    "Final review decisions sampled for a blind quality check by another reviewer",
)
CHECKED = Counter(
    "takedown_quality_checks_total",
    "Quality checks done, by result (agreed: same outcome and category as the sampled decision)",
    ["result"],
)
