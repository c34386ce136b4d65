"""Deliver the notification outbox. Safe in several processes: a row is leased by a
compare-and-set update before it is sent, so two workers never send the same row."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from takedown import clock
from takedown.jobs.runner import PeriodicJob
from takedown.notify.channels import CHANNELS, DeliveryError
from takedown.notify.models import Notification, NotificationStatus
from takedown.settings import Settings
from takedown.store.db import session_scope

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 10
BATCH = 50


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def deliver_notifications(settings: Settings) -> int:
    """Send every due notification once; returns how many were sent."""
    sent = 0
    with session_scope(settings.resolved_database_url) as db_session:
        due = db_session.execute(
            select(Notification.id, Notification.next_attempt_at, Notification.channel)
            .where(
                Notification.status == NotificationStatus.PENDING.value,
                Notification.next_attempt_at <= clock.now(),
            )
            .order_by(Notification.id)
            .limit(BATCH)
        ).all()
    for row_id, due_at, channel_name in due:
        channel = CHANNELS.get(channel_name)
        if channel is None or not channel.configured(settings):
            continue  # stays pending until configured (the console shows email is off)
        if not _lease(settings, row_id, due_at):
            continue
        with session_scope(settings.resolved_database_url) as db_session:
            notification = db_session.get(Notification, row_id)
            assert notification is not None
            notification.attempts += 1
            try:
                channel.send(settings, notification)
            except DeliveryError as exc:
                notification.last_error = str(exc)[:2000]
                if notification.attempts >= MAX_ATTEMPTS:
                    notification.status = NotificationStatus.FAILED.value
                else:
                    notification.next_attempt_at = clock.now() + backoff(notification.attempts)
                log.warning("notification %s not delivered: %s", row_id, exc)
                continue
            notification.status = NotificationStatus.SENT.value
            notification.sent_at = clock.now()
            sent += 1
    return sent


def _lease(settings: Settings, row_id: int, due_at: object) -> bool:
    with session_scope(settings.resolved_database_url) as db_session:
        result = db_session.execute(
            update(Notification)
            .where(
                Notification.id == row_id,
                Notification.status == NotificationStatus.PENDING.value,
                Notification.next_attempt_at == due_at,
            )
            .values(next_attempt_at=clock.now() + LEASE)
        )
        return cast(CursorResult[Any], result).rowcount == 1


def delivery_job() -> PeriodicJob:
    return PeriodicJob("notify-deliver", deliver_notifications, 5.0, own_thread=True)
