"""`takedown demo` seeds a bank of labelled benign stand-ins, cases of different priorities and
staff logins through the real services, once: a second start adds nothing but new passwords."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from takedown import clock
from takedown.banks.models import Bank, BankEntry
from takedown.cases.blocked_uploads import open_cases_for_blocked_uploads
from takedown.cases.models import Case
from takedown.console.demo import BANKED_STAND_INS, DEMO_BANK
from takedown.reports.models import Report
from takedown.scan.models import ContentItem
from takedown.settings import get_settings
from takedown.store.db import session_scope
from tests.review_support import ConsoleBrowser


def _counts(settings):  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        return {
            model.__name__: db_session.scalar(select(func.count()).select_from(model))
            for model in (Bank, BankEntry, Case, Report)
        }


def test_demo_seeds_once_and_prints_working_logins(cli, client, settings):
    first = cli("demo", "--no-serve")
    assert first.exit_code == 0, first.output
    # The printed passwords work alone in the demo; any other server also asks for a code.
    assert "two-factor sign-in is off for the demo" in first.output
    assert get_settings().console_two_factor is False
    counts = _counts(settings)
    # The demo bank, its review bank, and the review bank of the demo report by fingerprint.
    assert counts["Bank"] == 3 and counts["BankEntry"] >= 3 and counts["Case"] >= 4
    with session_scope(settings.resolved_database_url) as db_session:
        demo_bank = select(Bank.id).where(Bank.name == DEMO_BANK).scalar_subquery()
        by_type = dict(
            db_session.execute(
                select(BankEntry.signal_type, func.count())
                .where(BankEntry.bank_id == demo_bank)
                .group_by(BankEntry.signal_type)
            ).all()
        )
        # Each stand-in's own PDQ and MD5: the scan queries with the dihedral variants.
        assert by_type == {"pdq": len(BANKED_STAND_INS), "md5": len(BANKED_STAND_INS)}
        notes = db_session.scalars(
            select(BankEntry.note).where(BankEntry.bank_id == demo_bank)
        ).all()
        assert all("DEMO STAND-IN — benign test image" in note for note in notes)
        priorities = set(db_session.scalars(select(Case.priority)))
        assert {"P0", "P1", "P2"} <= priorities
        assert db_session.scalar(select(func.count()).where(Case.bank_match.is_(True))) >= 1
        # The demo reports by fingerprint are looked for: their pictures' PDQs are usable and
        # banked; until the server's lookback finds demo-post-7007, both cases watch.
        looked_for = select(func.count()).where(
            BankEntry.signal_type == "pdq",
            BankEntry.bank_id.in_(select(Bank.id).where(Bank.name == "reported-fingerprints-ncii")),
        )
        assert db_session.scalar(looked_for) == 2
        watching = select(func.count()).where(Case.status == "watching")
        assert db_session.scalar(watching) == 2

        # The demo's upload matching the review bank is held; the server's follower opens its
        # case once the scan has settled.
        held = select(ContentItem.verdict).where(ContentItem.content_id == "demo-post-8008")
        assert db_session.scalar(held) == "review"
    with clock.frozen_at(clock.now() + timedelta(seconds=11)):
        assert open_cases_for_blocked_uploads(settings) >= 1
    with session_scope(settings.resolved_database_url) as db_session:
        opened = select(Report.channel).where(Report.content_id == "demo-post-8008")
        assert db_session.scalar(opened) == "held_at_upload"
    counts = _counts(settings)

    second = cli("demo", "--no-serve")
    assert second.exit_code == 0, second.output
    assert _counts(settings) == counts

    logins = dict(re.findall(r"^login: (\S+) (\S+) \(", second.stdout, re.MULTILINE))
    assert set(logins) == {"demo-cs-1", "demo-cs-2", "demo-legal", "demo-admin"}
    assert "console: " in second.stdout and "/console" in second.stdout
    browser = ConsoleBrowser(client)
    assert browser.login("demo-cs-1", logins["demo-cs-1"]).status_code == 303
    queue = client.get("/console/queue").text
    assert queue.count('class="case-row') >= 4
    # demo-cs-2's decision waits for demo-cs-1's blind quality check (once, though seeded twice).
    assert client.get("/console/quality").text.count('class="quality-check-link"') == 1
    # A designated trusted flagger's notice: legal sees it on the Notifiers page.
    legal = ConsoleBrowser(client)
    assert legal.login("demo-legal", logins["demo-legal"]).status_code == 303
    notifiers = client.get("/console/notifiers").text
    assert "Demo hotline" in notifiers and "trusted flagger" in notifiers
    # The first start's passwords no longer work: each start prints fresh ones.
    old = dict(re.findall(r"^login: (\S+) (\S+) \(", first.stdout, re.MULTILINE))
    assert ConsoleBrowser(client).login("demo-cs-2", old["demo-cs-2"]).status_code == 401
