"""Deliver the outbox: at least once, signed, with exponential backoff for webhook_retry_hours.

Several processes may run this at once. A row is claimed by pushing its `next_attempt_at` forward
(a lease) in a short transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL, a conditional UPDATE
everywhere); the HTTP call happens outside any transaction; a crash mid-delivery only means the
lease runs out and the event is sent again (receivers dedupe on `event_id`).

Events about one item (the same `subject`: a content id, an account id, a case id) go out in the
order they were written: one waits while an earlier one for its subject is still pending, so a
retried `content.remove` can never arrive after the `content.restore` that reversed it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from takedown import clock
from takedown.enforcement.metrics import DELIVERY_ATTEMPTS, OUTBOX_EVENTS
from takedown.enforcement.models import OutboxEvent, OutboxStatus
from takedown.enforcement.signing import SIGNATURE_HEADER, signature_header
from takedown.errors import Conflict
from takedown.metrics import add_to_final_state, final_states_due, set_final_states
from takedown.settings import Settings
from takedown.store.db import session_scope

log = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 10.0
BACKOFF_MAX_SECONDS = 3600.0
# Four times the longest attempt the settings allow (webhook_timeout_seconds <= 30): a pass
# stops posting two attempts before it ends. Also how long a superseded event may be on the wire.
CLAIM_LEASE = timedelta(minutes=2)
BATCH = 50
# Passes of claim-and-post per run: an item's next event goes once the one before it is delivered.
ROUNDS = 10
DELIVERED_LAST_WEEK = "delivered_last_7_days"
SUPERSEDED_LAST_WEEK = "superseded_last_7_days"
# Never attempted again: counted by the gauges as final states.
FINAL = (OutboxStatus.DELIVERED, OutboxStatus.SUPERSEDED)


@dataclass
class DeliveryRun:
    delivered: int = 0
    retried: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s ... capped at one hour between attempts."""
    return timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    )


def _first_for_its_subject(now: datetime) -> Any:
    """No earlier event about the same subject still to deliver (pending, or superseded while
    perhaps on the wire: its lease has not run out)."""
    earlier = aliased(OutboxEvent)
    return ~exists().where(
        earlier.subject == OutboxEvent.subject,
        or_(
            earlier.status == OutboxStatus.PENDING.value,
            and_(
                earlier.status == OutboxStatus.SUPERSEDED.value,
                earlier.next_attempt_at > now,
            ),
        ),
        or_(
            earlier.created_at < OutboxEvent.created_at,
            and_(earlier.created_at == OutboxEvent.created_at, earlier.id < OutboxEvent.id),
        ),
    )


def _release(db_session: Session, event_ids: list[str], leased_until: datetime) -> None:
    """Give back claimed events not sent in this pass: due again at once, here or elsewhere."""
    db_session.execute(
        update(OutboxEvent)
        .where(
            OutboxEvent.id.in_(event_ids),
            OutboxEvent.status == OutboxStatus.PENDING.value,
            OutboxEvent.next_attempt_at == leased_until,
        )
        .values(next_attempt_at=clock.now())
    )


def _claim(db_session: Session, now: datetime, lease: timedelta) -> list[tuple[str, str]]:
    query = (
        select(OutboxEvent.id, OutboxEvent.next_attempt_at, OutboxEvent.body)
        .where(
            OutboxEvent.status == OutboxStatus.PENDING.value,
            OutboxEvent.next_attempt_at <= now,
            _first_for_its_subject(now),
        )
        .order_by(OutboxEvent.next_attempt_at, OutboxEvent.id)
        .limit(BATCH)
    )
    if db_session.bind is not None and db_session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed: list[tuple[str, str]] = []
    for event_id, due, body in db_session.execute(query).all():
        result = db_session.execute(
            update(OutboxEvent)
            .where(
                OutboxEvent.id == event_id,
                OutboxEvent.status == OutboxStatus.PENDING.value,
                OutboxEvent.next_attempt_at == due,
            )
            .values(next_attempt_at=now + lease)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append((event_id, body))
    return claimed


def _post(client: httpx.Client, settings: Settings, body: str) -> tuple[int | None, str | None]:
    raw = body.encode()
    secret = settings.platform_webhook_secret.get_secret_value()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature_header(secret, int(clock.now().timestamp()), raw),
    }
    try:
        response = client.post(settings.platform_webhook_url, content=raw, headers=headers)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}"


def deliver_due(settings: Settings) -> DeliveryRun:
    """One pass: claim due events, post them, record the outcome."""
    run = DeliveryRun()
    if not settings.platform_webhook_url or unsigned(settings):
        refresh_gauges(settings)  # unsigned: never sent (logged at start, see scheduled.jobs)
        return run
    url = settings.resolved_database_url
    lease = CLAIM_LEASE
    timeout = settings.webhook_timeout_seconds
    for _ in range(ROUNDS):
        claimed_at = clock.now()
        with session_scope(url) as db_session:
            claimed = _claim(db_session, claimed_at, lease)
        if not claimed:
            break
        # A slow receiver (50 events at up to `timeout` each) would outlast the lease, and
        # another process would send the rest again: stop with time for one more post to spare.
        send_until = time.monotonic() + lease.total_seconds() - 2 * timeout
        outcomes: list[tuple[str, int | None, str | None]] = []
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            for event_id, body in claimed:
                if time.monotonic() >= send_until:
                    break
                outcomes.append((event_id, *_post(client, settings, body)))
        # One transaction for the batch: a crash before it commits re-sends the batch once the
        # lease ends (at least once), and a busy database is not hit once per event.
        delivered = run.delivered
        with session_scope(url) as db_session:
            for event_id, status_code, error in outcomes:
                _record(db_session, settings, event_id, status_code, error, run)
            unsent = [event_id for event_id, _ in claimed[len(outcomes) :]]
            if unsent:
                _release(db_session, unsent, claimed_at + lease)
        if run.delivered == delivered:
            break  # the receiver is failing: the rest waits for its backoff
    refresh_gauges(settings, delivered_now=run.delivered)
    return run


def unsigned(settings: Settings) -> bool:
    """A receiver is set but no signing secret: events would go out signed with an empty key,
    which anyone can forge, so none are sent."""
    return bool(settings.platform_webhook_url) and not (
        settings.platform_webhook_secret.get_secret_value()
    )


def _record(
    db_session: Session,
    settings: Settings,
    event_id: str,
    status_code: int | None,
    error: str | None,
    run: DeliveryRun,
) -> None:
    event = db_session.get(OutboxEvent, event_id)
    now = clock.now()
    if event is not None and event.status == OutboxStatus.SUPERSEDED.value:
        # Superseded while on the wire: its post is over, the item's next event may go.
        event.next_attempt_at = min(event.next_attempt_at, now)
    if event is None or event.status != OutboxStatus.PENDING.value:
        return
    event.attempts += 1
    event.last_status_code = status_code
    if error is None:
        event.status, event.delivered_at, event.last_error = OutboxStatus.DELIVERED.value, now, None
        run.delivered += 1
        DELIVERY_ATTEMPTS.labels("delivered").inc()
        return
    event.last_error = error
    give_up_at = event.retry_until or event.created_at + timedelta(
        hours=settings.webhook_retry_hours
    )
    if now >= give_up_at:
        event.status = OutboxStatus.FAILED.value
        run.failed += 1
        DELIVERY_ATTEMPTS.labels("failed").inc()
        log.error("webhook event %s failed after %d attempts: %s", event_id, event.attempts, error)
        return
    # The last attempt is at the window's end, so an event is delivered or failed within it.
    event.next_attempt_at = min(now + backoff(event.attempts), give_up_at)
    run.retried += 1
    DELIVERY_ATTEMPTS.labels("retry").inc()
    log.warning("webhook event %s attempt %d failed: %s", event_id, event.attempts, error)


def outbox_counts(db_session: Session, *, delivered: bool = True) -> dict[str, int]:
    """Events by status; without `delivered`, only the ones still waiting or failed."""
    statuses = [s.value for s in OutboxStatus if delivered or s not in FINAL]
    counts = dict.fromkeys(statuses, 0)
    for status, count in db_session.execute(
        select(OutboxEvent.status, func.count())
        .where(OutboxEvent.status.in_(statuses))
        .group_by(OutboxEvent.status)
    ):
        counts[status] = count
    return counts


def recent_outbox_counts(db_session: Session) -> dict[str, int]:
    """What the webhooks page and `GET /v1/webhooks/outbox` show: the events waiting and
    failed, and the events of the last seven days delivered (not every event ever delivered:
    that count grows with the history, and the page is read often; the gauge has it)."""
    counts = outbox_counts(db_session, delivered=False)
    for status, key in (
        (OutboxStatus.DELIVERED, DELIVERED_LAST_WEEK),
        (OutboxStatus.SUPERSEDED, SUPERSEDED_LAST_WEEK),
    ):
        counts[key] = int(
            db_session.scalar(
                select(func.count()).where(
                    OutboxEvent.status == status.value,
                    OutboxEvent.created_at >= clock.now() - timedelta(days=7),
                )
            )
            or 0
        )
    return counts


def refresh_gauges(settings: Settings, *, delivered_now: int = 0) -> None:
    recount = final_states_due(OUTBOX_EVENTS)
    with session_scope(settings.resolved_database_url) as db_session:
        counts = outbox_counts(db_session, delivered=recount)
    delivered = OutboxStatus.DELIVERED.value
    for status, count in counts.items():
        if status not in FINAL:
            OUTBOX_EVENTS.labels(status).set(count)
    if recount:
        set_final_states(OUTBOX_EVENTS, {s.value: counts[s.value] for s in FINAL})
    else:
        add_to_final_state(OUTBOX_EVENTS, delivered, delivered_now)


def retry_failed(*, db_session: Session, settings: Settings, event_id: str) -> OutboxEvent | None:
    """Put a failed event back in the queue (an operator's decision after fixing the receiver).
    Only a failed one: a delivered order sent again could undo what came after it (a block
    re-sent after an appeal restored the content), and a pending one is still being tried. Nor
    one with a later event about its item that went out or waits: it would overtake that one
    (failed ones after it are re-queued in order, oldest first)."""
    event = db_session.get(OutboxEvent, event_id)
    if event is None:
        return None
    if event.status != OutboxStatus.FAILED:
        raise Conflict(
            f"event {event_id} is {event.status}, not failed: only a failed event is retried",
            code="event_not_failed",
        )
    later = _later_event_for_its_subject(db_session, event)
    if later is not None:
        raise Conflict(
            f"event {event_id} is older than {later.id} ({later.event_type}, {later.status}) about "
            f"the same item: sent now it would arrive after it and could undo it",
            code="later_event_for_item",
        )
    now = clock.now()
    event.status, event.next_attempt_at = OutboxStatus.PENDING.value, now
    event.retry_until = now + timedelta(hours=settings.webhook_retry_hours)
    return event


def _later_event_for_its_subject(db_session: Session, event: OutboxEvent) -> OutboxEvent | None:
    """The first event written after `event` about the same item that is not `failed`."""
    if event.subject is None:
        return None
    return db_session.scalars(
        select(OutboxEvent)
        .where(
            OutboxEvent.subject == event.subject,
            OutboxEvent.status != OutboxStatus.FAILED.value,
            or_(
                OutboxEvent.created_at > event.created_at,
                and_(OutboxEvent.created_at == event.created_at, OutboxEvent.id > event.id),
            ),
        )
        .order_by(OutboxEvent.created_at, OutboxEvent.id)
        .limit(1)
    ).first()
