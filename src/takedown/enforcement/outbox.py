"""Write platform events into the outbox (in the caller's transaction)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from takedown import clock
from takedown.enforcement.models import EventType, OutboxEvent, OutboxStatus
from takedown.ids import new_id


def enqueue(
    *,
    db_session: Session,
    event_type: EventType,
    data: dict[str, Any],
    case_id: str | None = None,
    subject: str | None = None,
) -> OutboxEvent:
    """Add one event; it is delivered after the caller's transaction commits."""
    now = clock.now()
    event_id = new_id("evt")
    body = json.dumps(
        {
            "event_id": event_id,
            "type": event_type.value,
            "created_at": now.isoformat(),
            "data": data,
        },
        separators=(",", ":"),
        sort_keys=True,
        default=str,
    )
    event = OutboxEvent(
        id=event_id,
        event_type=event_type.value,
        case_id=case_id,
        subject=subject,
        body=body,
        status=OutboxStatus.PENDING.value,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    db_session.add(event)
    db_session.flush()
    return event
