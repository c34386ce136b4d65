"""Notification channels: one small class each (email by SMTP, JSON webhook)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Protocol

import httpx

from takedown.notify.models import Notification, NotificationChannel
from takedown.settings import Settings


class DeliveryError(Exception):
    """The channel could not deliver; the outbox retries later."""


class Channel(Protocol):
    def configured(self, settings: Settings) -> bool: ...

    def send(self, settings: Settings, notification: Notification) -> None: ...


class EmailChannel:
    def configured(self, settings: Settings) -> bool:
        return bool(settings.smtp_host)

    def send(self, settings: Settings, notification: Notification) -> None:
        message = EmailMessage()
        message["From"] = settings.smtp_from
        message["To"] = notification.recipient
        message["Subject"] = notification.subject
        message.set_content(notification.body)
        try:
            with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
                if settings.smtp_starttls:
                    smtp.starttls()
                if settings.smtp_username:
                    smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP: {exc}") from exc


class WebhookChannel:
    def configured(self, settings: Settings) -> bool:
        return True  # the URL is the row's recipient

    def send(self, settings: Settings, notification: Notification) -> None:
        try:
            response = httpx.post(
                notification.recipient,
                json=notification.payload,
                timeout=10,
                follow_redirects=False,
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook: {exc}") from exc
        if response.status_code >= 300:
            raise DeliveryError(f"webhook answered {response.status_code}")


CHANNELS: dict[str, Channel] = {
    NotificationChannel.EMAIL: EmailChannel(),
    NotificationChannel.WEBHOOK: WebhookChannel(),
}
