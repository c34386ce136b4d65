"""Review: decisions, the two-person rule, claims, appeal decisions and the staff API."""
