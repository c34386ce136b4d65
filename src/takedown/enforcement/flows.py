"""What happens after a decision. The enforcement issue fills this in."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from takedown.settings import Settings


def act_on_decision(*, db_session: Session, settings: Settings, case: Any, decision: Any) -> None:
    """Called by review in the same transaction as a final decision (violating, or closing
    no_violation, or an appeal outcome). Writes outbox events, banks hashes, preserves evidence,
    queues the NCMEC report. Must only write rows (no network I/O): delivery is asynchronous."""
    raise NotImplementedError("enforcement is not built yet (issue 4)")
