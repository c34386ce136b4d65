"""What happens after a decision: platform events, every copy down, accounts, evidence, NCMEC.

`act_on_decision` runs inside the decision's transaction and only writes rows (outbox events,
bank entries, case copies, strikes, statements of reasons, evidence, the NCMEC filing); the
network is the delivery jobs' business. So the decision and everything it sets in motion commit
or roll back together, and a crash after the commit loses nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.accounts import service as accounts
from takedown.audit.service import record as audit
from takedown.cases.models import (
    BANK_CATEGORY,
    CHILD_SAFETY_CATEGORIES,
    Case,
    CaseMedia,
    Category,
    Outcome,
)
from takedown.enforcement.account_sweep import cancel_sweeps, sweep_after_decision
from takedown.enforcement.case_content import ledger_item, reported_contents, reported_item
from takedown.enforcement.copy_search import cancel_searches, start_copy_search
from takedown.enforcement.held_uploads import release_held_uploads
from takedown.enforcement.models import CaseBankEntry, CaseCopy, EventType, MatchKind
from takedown.enforcement.outbox import enqueue
from takedown.enforcement.removal import RemovedItem, already_removed, remove_item
from takedown.enforcement.removal_checks import first_check_at
from takedown.errors import InvalidInput
from takedown.settings import Settings
from takedown.transparency import service as statements
from takedown.transparency.schemas import AutomatedDecision, SourceType

log = logging.getLogger(__name__)

ACTOR = "system:enforcement"
# Bank values of case media: the original PDQ (the index queries with every variant of an upload),
# the exact hashes and the video frame hashes.
BANKED_TYPES = (
    *("pdq", "md5", "sha256", "video_md5", "vpdq"),
    *("pdq_norm", "pdq_center", "pdq_band", "vpdq_norm", "vpdq_center"),  # region signals
    *("vpdq_band_top", "vpdq_band_bottom"),
    "pdq_crop",  # keypoints and the central half's PDQ: finds crops (signals/keypoints.py)
)


@dataclass
class Enforcement:
    """What one decision did (also the audit entry's details)."""

    banked: int = 0
    removed: list[str] = field(default_factory=list)
    released: list[str] = field(default_factory=list)  # uploads held at scan, now to publish
    suspended: list[str] = field(default_factory=list)
    evidence_package: str | None = None
    ncmec_filing: str | None = None


def act_on_decision(*, db_session: Session, settings: Settings, case: Any, decision: Any) -> None:
    """Called by review in the same transaction as a final decision (violating, or closing
    no_violation, or an appeal outcome). Writes outbox events, banks hashes, preserves evidence,
    queues the NCMEC report. Must only write rows (no network I/O): delivery is asynchronous."""
    stage = getattr(decision, "stage", None)
    appeal_outcome = getattr(decision, "appeal_outcome", None)
    done: Enforcement | None = None
    if stage == "appeal" and appeal_outcome == "upheld":
        pass  # the decision stands; nothing new to do
    elif decision.outcome == Outcome.VIOLATING:
        done = enforce(db_session=db_session, settings=settings, case=case, decision=decision)
    elif decision.outcome == Outcome.NO_VIOLATION:
        done = reverse(db_session=db_session, settings=settings, case=case, decision=decision)
    enqueue(
        db_session=db_session,
        event_type=EventType.CASE_UPDATED,
        case_id=case.id,
        subject=case.id,
        data={
            "case_id": case.id,
            "status": case.status,
            "category": case.category,
            "content_id": case.content_id,
            "decision": {
                "id": decision.id,
                "outcome": decision.outcome,
                "policy": getattr(decision, "policy", ""),
                "stage": stage,
                "appeal_outcome": appeal_outcome,
                "decided_at": getattr(decision, "decided_at", None),
            },
        },
    )
    if done is not None:
        audit(
            db_session=db_session,
            actor=ACTOR,
            action="enforcement.acted"
            if decision.outcome == Outcome.VIOLATING
            else "enforcement.reversed",
            subject=case.id,
            details={
                "decision_id": decision.id,
                "banked": done.banked,
                "removed": done.removed,
                "released": done.released,
                "suspended": done.suspended,
                "evidence_package": done.evidence_package,
                "ncmec_filing": done.ncmec_filing,
            },
        )


# --- violating ---------------------------------------------------------------------------------


def _media(db_session: Session, case_id: str) -> list[CaseMedia]:
    return list(
        db_session.scalars(
            select(CaseMedia).where(CaseMedia.case_id == case_id).order_by(CaseMedia.id)
        )
    )


def case_signals(db_session: Session, case: Case) -> tuple[list[dict[str, Any]], str | None]:
    """The signals that identify the case's content, and its media type."""
    signals: list[dict[str, Any]] = []
    media_type: str | None = None
    for media in _media(db_session, case.id):
        signals.extend(media.signals or [])
        media_type = media_type or (media.media_type if media.media_type != "unknown" else None)
    item = reported_item(db_session, case)
    if item is not None:
        signals.extend(item.signals or [])
        media_type = media_type or item.media_type
    return signals, media_type


def _is_csam(case: Case, decision: Any) -> bool:
    return case.category == Category.CHILD_SEXUAL_ABUSE or bool(
        getattr(decision, "classification", None)
    )


def _is_child_safety(case: Case) -> bool:
    return case.category in CHILD_SAFETY_CATEGORIES or bool(getattr(case, "is_child_safety", False))


def enforce(*, db_session: Session, settings: Settings, case: Case, decision: Any) -> Enforcement:
    done = Enforcement()
    signals, media_type = case_signals(db_session, case)
    threshold = _bank_signals(db_session, settings, case, decision, signals, done)
    reported = reported_item(db_session, case)
    uploader = case.account_id or (reported.account_id if reported else None)
    policy = getattr(decision, "policy", "") or ""
    source = _source_of(db_session, case)
    for content_id, account_id in reported_contents(db_session, case):
        if already_removed(db_session, case.id, content_id):
            continue
        item = reported if content_id == case.content_id else ledger_item(db_session, content_id)
        poster = (item.account_id if item else None) or account_id  # the ledger's record first
        if content_id == case.content_id:
            poster = uploader
        remove_item(
            db_session,
            case=case,
            decision_id=decision.id,
            policy=policy,
            item=RemovedItem(
                content_id=content_id,
                account_id=poster,
                kind=MatchKind.REPORTED,
                content_item_id=item.id if item else None,
                media_type=item.media_type if item else media_type,
                uploaded_at=item.scanned_at if item else None,
            ),
            source=source,
            first_check_at=first_check_at(settings, clock.now()),
        )
        done.removed.append(content_id)
        if poster and poster != uploader:
            # Another post of the material, joined to the case by its media: removed like the
            # reported one; its poster is flagged for review, as posters of copies are.
            accounts.flag_for_review(
                db_session=db_session,
                account_id=poster,
                reason=f"posted material confirmed in case {case.id}",
            )
    # Every copy in the ledger: searched by a job once this decision has committed.
    start_copy_search(
        db_session,
        case=case,
        decision_id=decision.id,
        signals=signals,
        pdq_threshold=threshold,
        uploader=uploader,
        policy=policy,
    )
    # Then the uploader's other uploads: opened for review once the copies are down.
    sweep_after_decision(db_session, settings, case=case, uploader=uploader)

    if uploader:
        _strike_and_suspend(db_session, settings, case, decision, uploader, policy, done)
    if _is_child_safety(case):
        done.evidence_package = _preserve(db_session, settings, case, decision)
    done.ncmec_filing = _queue_ncmec(db_session, settings, case, decision)
    return done


def _bank_signals(
    db_session: Session,
    settings: Settings,
    case: Case,
    decision: Any,
    signals: list[dict[str, Any]],
    done: Enforcement,
) -> int:
    """Add the media's hashes to the platform-confirmed bank; returns its PDQ threshold."""
    from takedown.banks import service as banks

    category = BANK_CATEGORY.get(case.category, "other")
    name = settings.platform_confirmed_bank + ("" if category == "csam" else f"-{category}")
    bank = banks.get_or_create_bank(
        db_session=db_session,
        name=name,
        category=category,
        action="block",
        source="platform-confirmed",
        description="Media confirmed violating by Takedown reviewers",
        actor=ACTOR,
    )
    banked: list[dict[str, Any]] = []
    for signal in signals:
        signal_type = str(signal.get("type", ""))
        if signal_type not in BANKED_TYPES:
            continue
        if signal.get("variant") not in (None, "original"):
            continue  # dihedral and de-rotated variants are for querying; banks keep the original
        entry = {
            "type": signal_type,
            "value": signal.get("value"),
            "external_id": case.id,
            "note": f"case {case.id}, decision {decision.id}",
        }
        try:
            result = banks.add_entries(
                db_session=db_session, bank=bank, entries=[entry], added_by=ACTOR
            )
        except InvalidInput as exc:
            log.warning("case %s: %s value not banked: %s", case.id, signal_type, exc.detail)
            continue
        entry_ids = result.entry_ids or _confirmed_again(db_session, bank, case, signal)
        for entry_id in entry_ids:
            db_session.add(
                CaseBankEntry(
                    case_id=case.id,
                    bank_id=bank.id,
                    entry_id=entry_id,
                    signal_type=signal_type,
                    added_at=clock.now(),
                )
            )
        banked.append({"type": signal_type, "value": signal.get("value")})
        done.banked += result.added
    if banked:
        enqueue(
            db_session=db_session,
            event_type=EventType.CONTENT_BLOCK,
            case_id=case.id,
            subject=case.content_id,
            data={
                "case_id": case.id,
                "content_id": case.content_id,
                "bank": bank.name,
                "signals": banked,
                "category": case.category,
            },
        )
    return int(bank.pdq_threshold)


def _confirmed_again(
    db_session: Session, bank: Any, case: Case, signal: dict[str, Any]
) -> list[int]:
    """A hash already in the bank (another case confirmed the same media): this case stands
    behind it too, so overturning the other does not unban it; switched off (an earlier case
    overturned, or a person), it is switched on again, since the media is confirmed once more."""
    from takedown.banks import service as banks
    from takedown.banks.models import BankEntry

    signal_type, value = banks.normalise_entry(str(signal["type"]), str(signal["value"]))
    entry = db_session.scalar(
        select(BankEntry).where(
            BankEntry.bank_id == bank.id,
            BankEntry.signal_type == signal_type,
            BankEntry.value_digest == banks.value_digest(value),
        )
    )
    if entry is None:
        return []
    linked = db_session.scalar(
        select(CaseBankEntry.id).where(
            CaseBankEntry.case_id == case.id, CaseBankEntry.entry_id == entry.id
        )
    )
    if linked is not None:
        return []
    if not entry.enabled:
        banks.set_entry_enabled(
            db_session=db_session,
            bank_name=bank.name,
            entry_id=entry.id,
            enabled=True,
            actor=ACTOR,
            reason=f"the media was confirmed violating again in case {case.id}",
        )
    return [entry.id]


def _source_of(db_session: Session, case: Case) -> tuple[SourceType, bool]:
    """The DSA source type of the notice(s) behind the case, and whether a bank match found it."""
    from takedown.reports.models import OWN_INITIATIVE, Report

    designated = list(
        db_session.scalars(
            select(Report.trusted_flagger).where(
                Report.case_id == case.id, Report.channel.not_in(OWN_INITIATIVE)
            )
        )
    )
    automated = bool(getattr(case, "bank_match", False))
    if any(designated):
        return SourceType.TRUSTED_FLAGGER, automated
    if designated:
        return SourceType.ARTICLE_16, automated
    return SourceType.VOLUNTARY, automated


def _strike_and_suspend(
    db_session: Session,
    settings: Settings,
    case: Case,
    decision: Any,
    account_id: str,
    policy: str,
    done: Enforcement,
) -> None:
    account = accounts.add_strike(
        db_session=db_session,
        account_id=account_id,
        case_id=case.id,
        decision_id=decision.id,
        policy=policy,
        category=case.category,
    )
    reason = accounts.should_suspend(
        db_session=db_session,
        settings=settings,
        account=account,
        policy=policy or case.category,  # as add_strike records it
        is_csam=_is_csam(case, decision),
    )
    if reason is None or account.status == "suspended":
        return
    statement = statements.record(
        db_session=db_session,
        case_id=case.id,
        decision_id=decision.id,
        content_id=None,
        account_id=account_id,
        restriction=statements.Restriction.ACCOUNT_SUSPENDED,
        category=case.category,
        policy=policy,
        media_type=None,
        content_date=case.created_at,
        source_type=_source_of(db_session, case)[0],
        automated_detection=bool(getattr(case, "bank_match", False)),
        automated_decision=AutomatedDecision.PARTIALLY,
        facts=(
            f"The account was suspended because it posted content a trained reviewer confirmed "
            f"as {case.category.replace('_', ' ')} ({reason})."
        ),
    )
    if accounts.suspend(
        db_session=db_session,
        account=account,
        reason=reason,
        case_id=case.id,
        actor=ACTOR,
        statement_of_reasons=statement.body,
    ):
        done.suspended.append(account_id)


def _preserve(db_session: Session, settings: Settings, case: Case, decision: Any) -> str:
    from takedown.evidence import service as evidence

    media_files: list[tuple[str, str, bytes]] = []
    missing: list[str] = []
    for media in _media(db_session, case.id):
        path = Path(settings.media_dir) / media.storage_path
        if path.is_file():
            media_files.append((media.filename or path.name, media.media_type, path.read_bytes()))
        else:
            missing.append(media.storage_path)
    package = evidence.preserve(
        db_session=db_session,
        settings=settings,
        case_id=case.id,
        decision_id=decision.id,
        media=media_files,
        context=_context(db_session, case, decision, missing),
    )
    return package.id


# Never preserved (the package goes to the police under legal process): credentials (a report's
# tracking token opens its tracking page) and internal keys and hashes that identify nobody to
# an investigator but link records inside Takedown (a client address's keyed hash, the platform's
# API key id). The reporter's name and email stay: police may need to reach the reporter.
NOT_PRESERVED = frozenset({"tracking_token", "client_address_hash", "api_key_id"})
NOT_PRESERVED_SUFFIXES = ("_token", "_secret", "_password", "_address_hash")


def _row(obj: Any) -> dict[str, Any]:
    return {
        column.key: getattr(obj, column.key)
        for column in inspect(obj).mapper.column_attrs
        if column.key not in NOT_PRESERVED and not column.key.endswith(NOT_PRESERVED_SUFFIXES)
    }


def _context(db_session: Session, case: Case, decision: Any, missing: list[str]) -> dict[str, Any]:
    """Everything a law-enforcement request may need about the case, as it stood when decided."""
    from takedown.reports.models import Report

    reports = db_session.scalars(select(Report).where(Report.case_id == case.id))
    return {
        "preserved_at": clock.now(),
        "case": _row(case),
        "decision": _row(decision),
        "reports": [_row(r) for r in reports],
        "media": [
            {k: v for k, v in _row(m).items() if k != "id"} | {"id": m.id}
            for m in _media(db_session, case.id)
        ],
        "media_missing_from_storage": missing,
        "reported_item": _row(item) if (item := reported_item(db_session, case)) else None,
    }


def _queue_ncmec(db_session: Session, settings: Settings, case: Case, decision: Any) -> str | None:
    if case.category not in CHILD_SAFETY_CATEGORIES:
        return None
    try:
        from takedown.ncmec.service import queue_report
    except ImportError:
        # Never silent: the audit log and the operator's log say the report was not queued.
        log.error(
            "case %s: the NCMEC concern is not installed; CyberTipline report not queued", case.id
        )
        audit(
            db_session=db_session,
            actor=ACTOR,
            action="ncmec.not_queued",
            subject=case.id,
            details={"reason": "NCMEC filing is not available in this build"},
        )
        return None
    filing = queue_report(db_session=db_session, settings=settings, case=case, decision=decision)
    return getattr(filing, "id", None)


# --- reversal --------------------------------------------------------------------------------


def reverse(
    *, db_session: Session, settings: Settings, case: Case, decision: Any
) -> Enforcement | None:
    """An overturned decision: restore removed content, unban its hashes, lift suspensions,
    and stop a CyberTipline report that has not reached NCMEC yet. Any closing "no violation"
    also releases the case's uploads held at scan for its review."""
    from takedown.ncmec.service import withdraw_report

    withdraw_report(
        db_session=db_session,
        case=case,
        actor=ACTOR,
        reason="the decision was overturned on appeal",
    )
    cancel_searches(db_session, case_id=case.id)  # first: a batch that committed is read below
    cancel_sweeps(db_session, case_id=case.id)
    copies = list(
        db_session.scalars(
            select(CaseCopy).where(CaseCopy.case_id == case.id, CaseCopy.restored_at.is_(None))
        )
    )
    done = Enforcement()
    now = clock.now()
    for copy in copies:
        copy.restored_at = now
        enqueue(
            db_session=db_session,
            event_type=EventType.CONTENT_RESTORE,
            case_id=case.id,
            subject=copy.content_id,
            data={"case_id": case.id, "content_id": copy.content_id, "account_id": copy.account_id},
        )
        done.removed.append(copy.content_id)
    done.released = release_held_uploads(db_session, case)
    from takedown.banks import service as banks
    from takedown.banks.models import Bank

    unbanked = False
    for link in db_session.scalars(select(CaseBankEntry).where(CaseBankEntry.case_id == case.id)):
        bank = db_session.get(Bank, link.bank_id)
        if bank is not None and not _still_confirmed(db_session, link):
            unbanked = True
            banks.set_entry_enabled(
                db_session=db_session,
                bank_name=bank.name,
                entry_id=link.entry_id,
                enabled=False,
                actor=ACTOR,
                reason=f"the decision in case {case.id} was overturned",
            )
    for account in accounts.withdraw_strikes(db_session=db_session, case_id=case.id):
        if account.suspended_by_case_id == case.id and accounts.restore(
            db_session=db_session,
            account=account,
            reason="the decision was overturned on appeal",
            case_id=case.id,
            actor=ACTOR,
        ):
            done.suspended.append(account.id)
    # A case with nothing removed can still have banked its media (a reporter's own copy) or
    # struck its uploader: those are undone too.
    return done if copies or unbanked or done.released or done.suspended else None


def _still_confirmed(db_session: Session, link: CaseBankEntry) -> bool:
    """Another case whose violating decision stands banked or confirmed the same entry."""
    return (
        db_session.scalar(
            select(CaseBankEntry.id)
            .join(Case, Case.id == CaseBankEntry.case_id)
            .where(
                CaseBankEntry.entry_id == link.entry_id,
                CaseBankEntry.case_id != link.case_id,
                Case.outcome == Outcome.VIOLATING.value,
            )
            .limit(1)
        )
        is not None
    )


def copies_for(*, db_session: Session, case_id: str) -> list[CaseCopy]:
    """Every item enforced because of the case (for the case page and the transparency report)."""
    return list(
        db_session.scalars(
            select(CaseCopy).where(CaseCopy.case_id == case_id).order_by(CaseCopy.id)
        )
    )
