"""A reporter who lost their tracking links gets them again by email.

The tracking link is the reporter's only key to their report (no account is ever asked for), and
people lose emails and close tabs. So `/track` takes the email address a report was sent with and
emails that address the links of its reports (newest first, at most MAX_LINKS). The page answers
the same whether or not the address sent anything, so it tells nobody who reported: it only
records the request (the same write either way, so not even its timing differs), and a job looks
for the reports and writes the email. The links go only to the address itself, so asking for
someone else's sends them nothing they could read. At most one such email an hour per address
(the outbox's dedupe key), so nobody can flood an inbox.
Reports whose contact details were erased (retention, withdrawal, the reporter's request) hold no
address and are not found.
"""

from __future__ import annotations

import hashlib
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record
from takedown.i18n import default_language, translator
from takedown.i18n.dates import reader_datetime
from takedown.jobs.runner import PeriodicJob
from takedown.notify.models import NotificationChannel
from takedown.notify.service import queue, tracking_url
from takedown.reports.models import LostLinksRequest, Report
from takedown.reports.retention import LINKS_EMAIL
from takedown.settings import Settings
from takedown.store.db import session_scope

MAX_LINKS = 50
BATCH = 100


def request_tracking_links(*, db_session: Session, email: str, language: str | None) -> None:
    """Record that `email`'s tracking links were asked for (once while one request waits)."""
    email = email.strip().lower()
    waiting = db_session.scalar(
        select(LostLinksRequest.id).where(LostLinksRequest.email == email).limit(1)
    )
    if waiting is None:
        db_session.add(LostLinksRequest(email=email, language=language, requested_at=clock.now()))


def answer_requests(settings: Settings) -> int:
    """Answer the waiting requests, each in its own transaction: a request is deleted as it is
    answered, so two processes never answer one twice. Returns how many were answered."""
    answered = 0
    with session_scope(settings.resolved_database_url) as db_session:
        waiting = db_session.scalars(
            select(LostLinksRequest.id).order_by(LostLinksRequest.id).limit(BATCH)
        ).all()
    for request_id in waiting:
        with session_scope(settings.resolved_database_url) as db_session:
            request = db_session.get(LostLinksRequest, request_id)
            taken = db_session.execute(
                delete(LostLinksRequest).where(LostLinksRequest.id == request_id)
            )
            if request is None or cast(CursorResult[Any], taken).rowcount != 1:
                continue  # another process answered it
            send_tracking_links(
                db_session=db_session,
                settings=settings,
                email=request.email,
                language=request.language,
            )
            answered += 1
    return answered


def lost_links_job() -> PeriodicJob:
    return PeriodicJob("reports-lost-links", answer_requests, 5.0)


def send_tracking_links(
    *, db_session: Session, settings: Settings, email: str, language: str | None
) -> None:
    """Queue the email of `email`'s tracking links, if it sent any reports."""
    reports = db_session.scalars(
        select(Report)
        .where(Report.reporter_email == email)
        .order_by(Report.received_at.desc())
        .limit(MAX_LINKS)
    ).all()
    if not reports:
        return
    gettext = translator(language, settings).gettext
    blocks = [
        gettext("Report reference: %(report)s") % {"report": report.id}
        + "\n"
        + gettext("Received: %(when)s UTC")
        % {"when": reader_datetime(report.received_at, language or default_language(settings))}
        + "\n"
        + tracking_url(settings, report.tracking_token)
        + "\n"
        for report in reports
    ]
    body = (
        gettext("You asked for the links to the reports sent with this email address.")
        + "\n\n"
        + "\n".join(blocks)
        + "\n"
        + gettext("Keep these links private: anyone with one can see the status of that report.")
        + "\n"
        + gettext("If you did not ask for this, you can ignore this email.")
        + "\n"
    )
    hour = int(clock.now().timestamp() // 3600)
    address_key = hashlib.sha256(email.encode()).hexdigest()
    sent = queue(
        db_session=db_session,
        channel=NotificationChannel.EMAIL,
        kind=LINKS_EMAIL,
        recipient=email,
        subject=gettext("Your report links"),
        body=body,
        dedupe_key=f"tracking-links:{address_key}:{hour}",
    )
    if sent is not None:
        record(
            db_session=db_session,
            actor="public",
            action="reports.tracking_links_sent",
            subject="reports",
            details={"reports": len(reports)},
        )
