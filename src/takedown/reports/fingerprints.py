"""Reports by fingerprint: hashes of a picture or video the reporter holds, sent instead of it.

A victim with a copy of their own image (or a parent with what was sent to their child) should
never have to send it again to get it found. As with NCMEC's Take It Down and StopNCII.org, the
public form hashes the picture in the browser (web/static/device-hash.js) and sends only the
hashes; a platform may send the same through the API.

A fingerprint comes from someone nobody has verified, so it never blocks: it goes into a review
bank of its category (`reported-fingerprints-csam`, `reported-fingerprints-ncii`, source
`reported`), whose matches are held for a reviewer. Uploads already scanned are searched by the
lookback (lookback/service.py) and later uploads by the match-event follower
(cases/blocked_uploads.py); either way the upload joins the reporter's case, where a reviewer
sees it and decides, and a violating decision banks the reviewed media in the blocking bank. A PDQ
hash below `TAKEDOWN_PDQ_MIN_QUALITY` (a nearly flat picture) would match too much; it is kept
with the report but not banked.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.banks import service as banks
from takedown.banks.models import BankCategory, BankEntry, BankSource, MatchAction
from takedown.cases.models import BANK_CATEGORY, OPEN_STATUSES, Case, Category
from takedown.reports.models import Report, ReportFingerprint
from takedown.reports.schemas import Fingerprint
from takedown.settings import Settings
from takedown.signals.pdq import pdq_distance
from takedown.signals.vpdq import parse_vpdq, vpdq_is_match

ACTOR = "system:reported-fingerprints"
BANK_NAMES = {
    BankCategory.CSAM.value: "reported-fingerprints-csam",
    BankCategory.NCII.value: "reported-fingerprints-ncii",
}
REPORTED_BANKS = frozenset(BANK_NAMES.values())
# How long a new bank entry may take to reach every server's match index (it follows the change
# log every TAKEDOWN_INDEX_REFRESH_SECONDS): fingerprints this new are also compared directly.
INDEX_CATCH_UP = timedelta(seconds=30)
# A fingerprint's report, if its reporter has not withdrawn it (reports.withdrawal).
STANDING = and_(Report.id == ReportFingerprint.report_id, Report.withdrawn_at.is_(None))


def usable(fingerprint: Fingerprint, settings: Settings) -> bool:
    """Worth matching on: every exact hash, a PDQ of at least the minimum quality, a vPDQ with
    a frame of at least that quality (the vPDQ rule drops the others)."""
    if fingerprint.type == "vpdq":
        frames = parse_vpdq(fingerprint.value)
        return any(frame.quality >= settings.pdq_min_quality for frame in frames)
    if fingerprint.type != "pdq":
        return True
    return fingerprint.quality is not None and fingerprint.quality >= settings.pdq_min_quality


def bank_fingerprints(
    db_session: Session,
    settings: Settings,
    *,
    report: Report,
    category: Category,
    fingerprints: list[Fingerprint],
) -> None:
    """Keep the report's fingerprints and bank the usable ones in the review bank of the category
    (created on first use); a hash already banked links to its entry."""
    if not fingerprints:
        return
    bank_category = BANK_CATEGORY[category.value]  # FINGERPRINT_CATEGORIES: csam or ncii
    bank = banks.get_or_create_bank(
        db_session=db_session,
        name=BANK_NAMES[bank_category],
        category=bank_category,
        action=MatchAction.REVIEW.value,
        source=BankSource.REPORTED.value,
        description=(
            "Fingerprints reporters made of their own pictures. Never blocks: a match joins "
            "the reporter's case for review."
        ),
        actor=ACTOR,
    )
    now = clock.now()
    for fingerprint in fingerprints:
        entry_id = None
        if usable(fingerprint, settings):
            added = banks.add_entries(
                db_session=db_session,
                bank=bank,
                entries=[
                    {
                        "type": fingerprint.type,
                        "value": fingerprint.value,
                        "external_id": report.case_id,
                        "note": f"report {report.id}",
                    }
                ],
                added_by=ACTOR,
                normalised=True,
            )
            entry_id = (
                added.entry_ids[0]
                if added.entry_ids
                else _entry_in(db_session, bank.id, fingerprint)
            )
            if not added.entry_ids and entry_id is not None:
                _look_again_if_withdrawn(db_session, bank.name, entry_id)
        db_session.add(
            ReportFingerprint(
                report_id=report.id,
                case_id=report.case_id,
                signal_type=fingerprint.type,
                value=fingerprint.value,
                quality=fingerprint.quality,
                bank_entry_id=entry_id,
                created_at=now,
            )
        )
    db_session.flush()


def _entry_in(db_session: Session, bank_id: int, fingerprint: Fingerprint) -> int | None:
    return db_session.scalar(
        select(BankEntry.id).where(
            BankEntry.bank_id == bank_id,
            BankEntry.signal_type == fingerprint.type,
            BankEntry.value_digest == banks.value_digest(fingerprint.value),
        )
    )


def _look_again_if_withdrawn(db_session: Session, bank_name: str, entry_id: int) -> None:
    """A fingerprint every earlier sender withdrew (reports.withdrawal) is looked for again, for
    this new report. An entry staff disabled stays disabled, except where every earlier sender
    also withdrew: that this cannot tell apart."""
    entry = db_session.get(BankEntry, entry_id)
    if entry is None or entry.enabled:
        return
    senders = db_session.scalars(
        select(Report.withdrawn_at)
        .join(ReportFingerprint, ReportFingerprint.report_id == Report.id)
        .where(ReportFingerprint.bank_entry_id == entry_id)
    ).all()
    if senders and all(withdrawn is not None for withdrawn in senders):
        banks.set_entry_enabled(
            db_session=db_session, bank_name=bank_name, entry_id=entry_id, enabled=True, actor=ACTOR
        )


def case_fingerprinted_by(db_session: Session, entry_ids: Collection[int]) -> Case | None:
    """The oldest open case a report's fingerprint put one of these bank entries in for."""
    if not entry_ids:
        return None
    return db_session.scalar(
        select(Case)
        .join(ReportFingerprint, ReportFingerprint.case_id == Case.id)
        .join(Report, STANDING)
        .where(
            ReportFingerprint.bank_entry_id.in_(list(entry_ids)),
            Case.status.in_([s.value for s in OPEN_STATUSES]),
        )
        .order_by(Case.created_at)
        .limit(1)
    )


def closed_cases_fingerprinted_by(db_session: Session, entry_ids: Collection[int]) -> list[Case]:
    """When no open case holds these bank entries' fingerprints: the closed cases that did, so
    a reviewer of a new match sees what was decided before. Empty while an open case holds one."""
    if not entry_ids:
        return []
    cases = list(
        db_session.scalars(
            select(Case)
            .join(ReportFingerprint, ReportFingerprint.case_id == Case.id)
            .join(Report, STANDING)
            .where(ReportFingerprint.bank_entry_id.in_(list(entry_ids)))
            .distinct()
            .order_by(Case.created_at)
        )
    )
    if any(case.status in OPEN_STATUSES for case in cases):
        return []
    return cases


def case_fingerprinted_like(
    db_session: Session,
    settings: Settings,
    signals: list[dict[str, Any]],
    matches: list[dict[str, Any]],
) -> Case | None:
    """The oldest open case with a usable fingerprint like one of `signals` (a report's file, with
    every dihedral variant of its PDQ, or the report's own fingerprints). `matches` are the bank
    matches of those signals from the match index (each bank's threshold, the vPDQ rule), which
    finds the fingerprints of every open case however many watch; fingerprints banked too
    recently to be in this server's index yet are compared here."""
    reported = {m["entry_id"] for m in matches if m.get("bank") in REPORTED_BANKS}
    return case_fingerprinted_by(db_session, reported) or _recently_fingerprinted_like(
        db_session, settings, signals
    )


def _recently_fingerprinted_like(
    db_session: Session, settings: Settings, signals: list[dict[str, Any]]
) -> Case | None:
    """The oldest open case with a fingerprint banked in the last INDEX_CATCH_UP equal to one of
    `signals` (exact hashes), within the PDQ threshold of one, or matching a video by the vPDQ
    rule."""
    exact = {(s["type"], s["value"]) for s in signals if s.get("type") in ("md5", "sha256")}
    pdqs = [s["value"] for s in signals if s.get("type") == "pdq"]
    videos = [parse_vpdq(s["value"]) for s in signals if s.get("type") == "vpdq"]
    # The recent fingerprints first, then their open cases: in one statement, SQLite without
    # statistics went through every open case to find them (10 ms at 50,000 open cases).
    recent = db_session.execute(
        select(ReportFingerprint.signal_type, ReportFingerprint.value, ReportFingerprint.case_id)
        .join(Report, STANDING)
        .where(
            ReportFingerprint.bank_entry_id.is_not(None),
            ReportFingerprint.created_at >= clock.now() - INDEX_CATCH_UP,
        )
    ).all()
    if not recent:
        return None
    open_cases = db_session.scalars(
        select(Case.id)
        .where(
            Case.id.in_({case_id for _, _, case_id in recent}),
            Case.status.in_([s.value for s in OPEN_STATUSES]),
        )
        .order_by(Case.created_at)
    )
    oldest_first = {case_id: place for place, case_id in enumerate(open_cases)}
    threshold = settings.pdq_default_threshold
    in_open_cases = (row for row in recent if row[2] in oldest_first)
    for signal_type, value, case_id in sorted(in_open_cases, key=lambda r: oldest_first[r[2]]):
        if (
            (signal_type, value) in exact
            or (signal_type == "pdq" and any(pdq_distance(value, p) <= threshold for p in pdqs))
            or (
                signal_type == "vpdq"
                and any(vpdq_is_match(v, parse_vpdq(value), settings=settings)[0] for v in videos)
            )
        ):
            return db_session.get(Case, case_id)
    return None


def fingerprints_by_report(db_session: Session, case_id: str) -> dict[str, list[ReportFingerprint]]:
    """The case's fingerprints, by the report that sent them (for the console)."""
    found: dict[str, list[ReportFingerprint]] = {}
    rows = db_session.scalars(
        select(ReportFingerprint)
        .where(ReportFingerprint.case_id == case_id)
        .order_by(ReportFingerprint.id)
    )
    for fingerprint in rows:
        found.setdefault(fingerprint.report_id, []).append(fingerprint)
    return found


def files_fingerprinted(db_session: Session, report_id: str) -> int:
    """How many pictures and videos the report fingerprinted (the form sends a SHA-256 of each;
    an API caller may send only a PDQ or vPDQ)."""
    rows = db_session.scalars(
        select(ReportFingerprint.signal_type).where(ReportFingerprint.report_id == report_id)
    ).all()
    hashes = rows.count("pdq") + rows.count("vpdq")
    return max(hashes, rows.count("sha256"), rows.count("md5"))
