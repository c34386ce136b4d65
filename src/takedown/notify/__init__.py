"""Notifications: a durable outbox of emails and on-call webhooks, delivered by a job."""
