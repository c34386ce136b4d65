"""Rule: a reporter reads dates and times in their own language, on the confirmation, the
tracking page and in the acknowledgment email: "5 de marzo de 2026, 14:07 UTC" in Spanish,
"March 5, 2026, 2:07 PM UTC" in English, never a bare "2026-03-05 14:07" that a child or parent
has to decode."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from takedown import clock
from takedown.notify.scheduled import deliver_notifications

SPANISH = {"Accept-Language": "es"}
RECEIVED = datetime(2026, 3, 5, 14, 7, tzinfo=UTC)


def _received(page: str) -> str:
    return re.search(r"<dt>(?:Received|Recibido)</dt><dd>([^<]+)</dd>", page).group(1)


def _report(client, headers, email=None):  # type: ignore[no-untyped-def]
    data = {"category": "child_sexual_abuse", "content_url": "https://platform.example/p/d1"}
    if email:
        data["reporter.email"] = email
    with clock.frozen_at(RECEIVED):
        sent = client.post("/report", data=data, headers=headers)
    assert sent.status_code == 201, sent.text
    return sent


def test_a_spanish_reporter_reads_spanish_dates(client, mail) -> None:  # type: ignore[no-untyped-def]
    settings, inbox = mail
    sent = _report(client, SPANISH, email="nina@example.org")
    assert _received(sent.text) == "5 de marzo de 2026, 14:07 UTC"
    tracking = re.search(r'id="tracking-link" href="http://testserver([^"]+)"', sent.text).group(1)
    assert _received(client.get(tracking).text) == "5 de marzo de 2026, 14:07 UTC"

    assert deliver_notifications(settings) == 1
    (acknowledgment,) = inbox.to("nina@example.org")
    assert "Recibido: 5 de marzo de 2026, 14:07 UTC" in acknowledgment.get_content()


def test_an_english_reporter_reads_english_dates(client) -> None:  # type: ignore[no-untyped-def]
    sent = _report(client, {"Accept-Language": "en"})
    received = _received(sent.text).replace("\u202f", " ")  # CLDR puts a narrow space before PM
    assert received == "March 5, 2026, 2:07 PM UTC"
    tracking = re.search(r'id="tracking-link" href="http://testserver([^"]+)"', sent.text).group(1)
    page = client.get(tracking, headers={"Accept-Language": "en"}).text
    assert _received(page).replace("\u202f", " ") == "March 5, 2026, 2:07 PM UTC"
    assert "2026-03-05" not in page


def test_the_lost_links_email_dates_reports_in_the_askers_language(client, settings) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from takedown.notify.models import Notification
    from takedown.reports.lost_links import answer_requests
    from takedown.store.db import session_scope

    _report(client, SPANISH, email="nino@example.org")
    asked = client.post("/track?lang=es", data={"email": "nino@example.org"})
    assert asked.status_code == 200
    answer_requests(settings)
    with session_scope(settings.resolved_database_url) as db_session:
        (sent,) = db_session.scalars(
            select(Notification.body).where(Notification.kind == "tracking_links")
        ).all()
    assert "Recibido: 5 de marzo de 2026, 14:07 UTC" in sent
