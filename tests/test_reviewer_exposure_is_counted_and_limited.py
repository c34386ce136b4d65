"""Reviewer wellbeing: a reviewer sees how much they have revealed; after
TAKEDOWN_WELLBEING_BREAK_REVEALS originals in an hour the console asks them to take a break; past
TAKEDOWN_WELLBEING_DAILY_REVEAL_LIMIT in 24 hours a reveal is refused (the preview stays blurred,
nothing is sent, nothing is audited); admins see each person's exposure over the week."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from takedown import clock
from takedown.audit.models import AuditEntry
from takedown.store.db import session_scope
from tests.metrics_support import metrics_text
from tests.review_support import benign_image, console, make_user, report, staff_headers


def _case_with_media(client, settings) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    case_id = report(client, image=benign_image("coffee"))["case_id"]
    make_user(settings, "lead", "admin")
    detail = client.get(f"/v1/cases/{case_id}", headers=staff_headers(client, settings, "lead"))
    return case_id, detail.json()["media"][0]["media_id"]


def _reveals(settings) -> int:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        return db_session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "media.revealed")
        )


def test_a_break_is_suggested_after_many_reveals_in_an_hour(client, app, settings):
    app.state.settings = settings.model_copy(update={"wellbeing_break_reveals": 3})
    case_id, media_id = _case_with_media(client, settings)
    make_user(settings, "carol", "child_safety_reviewer")
    carol = console(app, "carol")
    reveal = f"/console/cases/{case_id}/media/{media_id}/reveal"

    for _ in range(2):
        assert "take a break" not in carol.post(reveal, headers={"HX-Request": "true"}).text
    queue = carol.get("/console/queue").text
    assert 'id="take-a-break"' not in queue
    assert "2 originals revealed (2 in the last hour)" in queue

    third = carol.post(reveal, headers={"HX-Request": "true"})
    assert third.status_code == 200 and "data:image/jpeg;base64," in third.text
    assert "3 originals in the last hour: take a break" in third.text
    for path in ("/console/queue", f"/console/cases/{case_id}"):
        assert 'id="take-a-break"' in carol.get(path).text

    clock.advance(timedelta(minutes=61))  # the hour rolls on; the day's count stays
    carol = console(app, "carol")  # (the console session timed out meanwhile)
    queue = carol.get("/console/queue").text
    assert 'id="take-a-break"' not in queue
    assert "3 originals revealed (0 in the last hour)" in queue
    # Another reviewer's count is their own.
    make_user(settings, "dave", "child_safety_reviewer")
    assert "0 originals revealed" in console(app, "dave").get("/console/queue").text


def test_reveals_past_the_daily_limit_are_refused(client, app, settings):
    app.state.settings = settings.model_copy(update={"wellbeing_daily_reveal_limit": 2})
    case_id, media_id = _case_with_media(client, settings)
    make_user(settings, "carol", "child_safety_reviewer")
    carol = console(app, "carol")
    reveal = f"/console/cases/{case_id}/media/{media_id}/reveal"
    for _ in range(2):
        assert carol.post(reveal, headers={"HX-Request": "true"}).status_code == 200
    assert _reveals(settings) == 2

    refused = carol.post(reveal, headers={"HX-Request": "true"})
    assert refused.status_code == 429
    assert "data:image" not in refused.text and "preview.jpg" in refused.text  # still blurred
    assert "this server's limit (2)" in refused.text
    without_htmx = carol.post(reveal)
    assert without_htmx.status_code == 429 and "data:image" not in without_htmx.text
    assert _reveals(settings) == 2  # a refused reveal showed nothing, so records nothing
    metrics = metrics_text(client)
    assert re.search(r'^takedown_console_reveals_total\{outcome="withheld"\} [1-9]', metrics, re.M)
    # The case can still be decided on the preview and the matches.
    assert 'id="decision-form"' in carol.get(f"/console/cases/{case_id}").text

    clock.advance(timedelta(hours=24, minutes=1))
    carol = console(app, "carol")
    assert carol.post(reveal, headers={"HX-Request": "true"}).status_code == 200


def test_admins_see_each_reviewers_exposure(client, app, settings):
    case_id, media_id = _case_with_media(client, settings)
    make_user(settings, "carol", "child_safety_reviewer")
    carol = console(app, "carol")
    for _ in range(3):
        carol.post(f"/console/cases/{case_id}/media/{media_id}/reveal")
    clock.advance(timedelta(days=2))
    carol = console(app, "carol")
    carol.post(f"/console/cases/{case_id}/media/{media_id}/reveal")
    assert carol.decide(case_id, "violating", policy="csam", classification="A1").status_code == 303
    make_user(settings, "quiet", "reviewer")  # no exposure: not listed

    assert carol.get("/console/wellbeing").status_code == 403
    lead = console(app, "lead")
    page = lead.get("/console/wellbeing")
    assert page.status_code == 200
    row = page.text.split('data-user="carol"')[1].split("</tr>")[0]
    cells = [cell.split("</td>")[0] for cell in row.split("<td>")[1:]]
    # role, last 24 hours, 7 days, days with reveals, child-safety decisions
    assert cells == ["child_safety_reviewer", "1", "4", "2 of 7", "1"]
    assert 'data-user="quiet"' not in page.text
    assert case_id not in page.text  # counts, never which cases

    clock.advance(timedelta(days=8))
    lead = console(app, "lead")
    assert 'data-user="carol"' not in lead.get("/console/wellbeing").text
