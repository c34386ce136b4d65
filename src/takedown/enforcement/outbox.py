"""Write platform events into the outbox (in the caller's transaction)."""

from __future__ import annotations

import enum
import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.enforcement.delivery import CLAIM_LEASE
from takedown.enforcement.models import EventType, OutboxEvent, OutboxStatus
from takedown.ids import new_id

# An order and the one that undoes it: a later one supersedes the earlier while it is undelivered.
OPPOSITE = {
    EventType.CONTENT_REMOVE: EventType.CONTENT_RESTORE,
    EventType.CONTENT_RESTORE: EventType.CONTENT_REMOVE,
    EventType.ACCOUNT_SUSPEND: EventType.ACCOUNT_RESTORE,
    EventType.ACCOUNT_RESTORE: EventType.ACCOUNT_SUSPEND,
}
# How long a superseded event that may be on the wire still holds back the next one for its
# subject (until the post ends, when the delivery job lets it go): the delivery claim's lease.
IN_FLIGHT = CLAIM_LEASE


def rfc3339(moment: datetime) -> str:
    """A moment as RFC 3339 in UTC (`2026-12-06T22:53:07.759716Z`); naive means UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _encode(value: Any) -> Any:
    """The one JSON encoder of event bodies: every datetime in RFC 3339."""
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return str(value)


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
            "created_at": now,
            "data": data,
        },
        separators=(",", ":"),
        sort_keys=True,
        default=_encode,
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
    if subject is not None and event_type in OPPOSITE:
        _supersede(db_session, event, OPPOSITE[event_type])
    db_session.add(event)
    db_session.flush()
    return event


def _supersede(db_session: Session, event: OutboxEvent, undone: EventType) -> None:
    """Cancel the undelivered orders of the same case about the same item that `event` undoes
    (a restore written while the removal it reverses is still being retried, or has failed and
    could be re-queued): delivered late, the stale order would undo the new one. They stay in
    the outbox as `superseded`."""
    now = clock.now()
    for earlier in db_session.scalars(
        select(OutboxEvent).where(
            OutboxEvent.status.in_((OutboxStatus.PENDING.value, OutboxStatus.FAILED.value)),
            OutboxEvent.subject == event.subject,
            OutboxEvent.event_type == undone.value,
            OutboxEvent.case_id.is_(None)
            if event.case_id is None
            else OutboxEvent.case_id == event.case_id,
        )
    ):
        # One on the wire now keeps its claim's lease, and the delivery job holds the next event
        # for the item until it ends; one waiting on a backoff holds it for a lease at most; a
        # failed one is on no wire.
        if earlier.status == OutboxStatus.FAILED.value:
            earlier.next_attempt_at = now
        else:
            earlier.next_attempt_at = min(earlier.next_attempt_at, now + IN_FLIGHT)
        earlier.status = OutboxStatus.SUPERSEDED.value
        earlier.last_error = f"superseded by {event.id} ({event.event_type})"
