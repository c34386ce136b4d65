"""Append to and verify the audit log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.models import AuditEntry, AuditHead
from takedown.store.db import lock_on_sqlite, without_nul

GENESIS = "0" * 64


def _entry_hash(entry: AuditEntry) -> str:
    canonical = json.dumps(
        [
            entry.seq,
            entry.at.isoformat(timespec="microseconds"),
            entry.actor,
            entry.action,
            entry.subject,
            entry.details,
            entry.prev_hash,
        ],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(
    *,
    db_session: Session,
    actor: str,
    action: str,
    subject: str,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (it commits or rolls back with the action)."""
    # Hashed as the database will keep it (store.db.without_nul), or verify would see a change.
    details = without_nul(json.loads(json.dumps(details or {}, default=str)))
    actor, subject = without_nul(actor), without_nul(subject)
    lock_on_sqlite(db_session)  # the head is read under the lock, as FOR UPDATE does elsewhere
    head = db_session.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    if head is None:
        raise RuntimeError("audit_head row is missing: the audit log was tampered with")
    entry = AuditEntry(
        seq=head.seq + 1,
        at=clock.now(),
        actor=actor,
        action=action,
        subject=subject,
        details=details,
        prev_hash=head.entry_hash,
    )
    entry.entry_hash = _entry_hash(entry)
    db_session.add(entry)
    head.seq, head.entry_hash = entry.seq, entry.entry_hash
    db_session.flush()
    return entry


@dataclass(frozen=True)
class AuditProblem:
    seq: int
    problem: str


def verify(*, db_session: Session) -> list[AuditProblem]:
    """Every changed, inserted or deleted entry, found by re-walking the chain."""
    problems: list[AuditProblem] = []
    expected_seq, prev_hash = 1, GENESIS
    for entry in _entries(db_session):
        if entry.seq != expected_seq:
            problems.append(
                AuditProblem(expected_seq, f"entries {expected_seq}..{entry.seq - 1} missing")
            )
        if entry.prev_hash != prev_hash:
            problems.append(AuditProblem(entry.seq, "does not link to the entry before it"))
        if _entry_hash(entry) != entry.entry_hash:
            problems.append(AuditProblem(entry.seq, "content changed after it was written"))
        expected_seq, prev_hash = entry.seq + 1, entry.entry_hash
    head = db_session.get(AuditHead, 1)
    last_seq = expected_seq - 1
    if head is None:
        # The migration writes the head row and nothing deletes it: gone is tampering (or an
        # attempt to make the log look new), whether or not entries are left.
        problems.append(AuditProblem(last_seq, "the chain's head row (audit_head) is missing"))
    elif head.seq != last_seq or head.entry_hash != prev_hash:
        problems.append(AuditProblem(head.seq, f"chain ends at {last_seq}; head says {head.seq}"))
    return problems


def _entries(db_session: Session) -> Iterator[AuditEntry]:
    yield from db_session.scalars(
        select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=1000)
    )


@dataclass(frozen=True)
class AuditQuery:
    """Which entries to read: all given filters apply; `action` matches a prefix ("case."),
    `before` pages back from a sequence number."""

    subject: str | None = None
    actor: str | None = None
    action: str | None = None
    before: int | None = None
    limit: int = 100


def find(*, db_session: Session, query: AuditQuery) -> list[AuditEntry]:
    """Entries matching `query`, newest first."""
    statement = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(query.limit)
    if query.subject:
        statement = statement.where(AuditEntry.subject == query.subject)
    if query.actor:
        statement = statement.where(AuditEntry.actor == query.actor)
    if query.action:
        statement = statement.where(AuditEntry.action.startswith(query.action, autoescape=True))
    if query.before is not None:
        statement = statement.where(AuditEntry.seq < query.before)
    return list(db_session.scalars(statement))


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    """One entry as shown and disclosed: every field its hash covers, as hashed (so a reader can
    recompute `entry_hash` from `prev_hash` and the rest, see docs/ncmec.md)."""
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "details": entry.details,
        "prev_hash": entry.prev_hash,
        "entry_hash": entry.entry_hash,
    }


def audit_read(db_session: Session, *, reader: str, query: AuditQuery, shown: int) -> AuditEntry:
    """Reading the log is itself logged (`audit.read`): who looked for what, how much they saw.
    The filters are recorded as given: the log is read by legal and admins only."""
    return record(
        db_session=db_session,
        actor=reader,
        action="audit.read",
        subject="audit",
        details={
            "subject": query.subject,
            "actor": query.actor,
            "action": query.action,
            "before": query.before,
            "limit": query.limit,
            "shown": shown,
        },
    )
