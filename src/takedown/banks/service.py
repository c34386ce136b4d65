"""Banks and their entries. Every change appends an `IndexChange` row in the same transaction.

That log is how every serving process keeps its in-memory index current (architecture.md,
"Index changes"); a write that skipped it would be invisible to matching until a restart.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row, bindparam, delete, func, select, text, update
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record as audit
from takedown.banks.models import (
    Bank,
    BankCategory,
    BankEntry,
    BankEntryCount,
    BankSource,
    IndexChange,
    MatchAction,
)
from takedown.errors import Conflict, InvalidInput, NotFound
from takedown.signals.registry import get_signal_type, normalise_signal
from takedown.store.base import UtcDateTime
from takedown.store.db import one_of

# Rows per INSERT statement: large enough that 1M hashes load in seconds, small enough to keep
# each statement's parameter list well under driver limits.
INSERT_BATCH = 10_000
MAX_PDQ_THRESHOLD = 256


class IndexOp(enum.StrEnum):
    """The `op` values of the change log."""

    ADD = "add"
    ENABLE = "enable"
    DISABLE = "disable"
    BANK = "bank"
    # Logged beside `bank` when the change lets the bank match uploads it did not match before
    # (enabled again, a threshold raised, moved out of `other`): the lookback searches the ledger
    # for all of its entries.
    WIDEN = "widen"


@dataclass(frozen=True)
class NewEntry:
    """One hash to bank. `value` is normalised by `normalise_entry` before insert."""

    signal_type: str
    value: str
    external_id: str | None = None
    note: str = ""


@dataclass
class AddResult:
    added: int = 0
    skipped: int = 0  # already in the bank (idempotent re-import)
    entry_ids: list[int] = field(default_factory=list)


def _enum_value(enum_cls: type, value: str, what: str) -> str:
    try:
        return enum_cls(value).value
    except ValueError:
        allowed = ", ".join(m.value for m in enum_cls)  # type: ignore[attr-defined]
        raise InvalidInput(f"{what} must be one of: {allowed}", code=f"invalid_{what}") from None


def _check_threshold(threshold: int) -> int:
    if not 0 <= threshold <= MAX_PDQ_THRESHOLD:
        raise InvalidInput("pdq threshold must be 0..256", code="invalid_threshold")
    return threshold


def _log_change(db_session: Session, *, bank_id: int, op: str, entry_id: int | None = None) -> None:
    db_session.add(IndexChange(entry_id=entry_id, bank_id=bank_id, op=op, changed_at=clock.now()))


# --- banks -------------------------------------------------------------------------------------


def _widens(bank: Bank, changes: Mapping[str, Any]) -> bool:
    """Whether `changes` (not yet applied) let the bank match uploads it did not match before."""
    from takedown.index.service import BankInfo
    from takedown.signals.base import MatchKind
    from takedown.signals.registry import SIGNAL_TYPES

    if not changes.get("enabled", bank.enabled):
        return False  # a disabled bank matches nothing; enabling it later widens
    if changes.get("enabled") is True:
        return True
    if bank.category == BankCategory.OTHER.value and changes.get("category") is not None:
        return True  # `other` matches never open cases
    views = [
        BankInfo(
            bank.id,
            bank.name,
            bank.category,
            bank.action,
            int(values.get("pdq_threshold", bank.pdq_threshold)),
            dict(values.get("signal_thresholds", bank.signal_thresholds) or {}),
            True,
        )
        for values in ({}, changes)  # before, after
    ]
    return any(
        views[1].threshold(name) > views[0].threshold(name)
        for name, signal_type in SIGNAL_TYPES.items()
        if signal_type.match_kind is MatchKind.HAMMING
    )


def create_bank(
    *,
    db_session: Session,
    name: str,
    category: str,
    action: str,
    pdq_threshold: int = 31,
    description: str = "",
    source: str = BankSource.MANUAL.value,
    actor: str = "system",
) -> Bank:
    """Create a bank; Conflict if the name is taken."""
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidInput("bank name must be 1..120 characters", code="invalid_name")
    if db_session.scalar(select(Bank.id).where(Bank.name == name)) is not None:
        raise Conflict(f"a bank named {name!r} exists", code="bank_exists")
    now = clock.now()
    bank = Bank(
        name=name,
        description=description,
        category=_enum_value(BankCategory, category, "category"),
        source=_enum_value(BankSource, source, "source"),
        action=_enum_value(MatchAction, action, "action"),
        pdq_threshold=_check_threshold(pdq_threshold),
        signal_thresholds={},
        enabled=True,
        created_at=now,
        updated_at=now,
    )
    db_session.add(bank)
    db_session.flush()
    _log_change(db_session, bank_id=bank.id, op=IndexOp.BANK)
    audit(
        db_session=db_session,
        actor=actor,
        action="bank.create",
        subject=f"bank:{bank.name}",
        details={"category": bank.category, "action": bank.action, "threshold": pdq_threshold},
    )
    return bank


def get_bank(*, db_session: Session, name: str) -> Bank:
    bank = db_session.scalar(select(Bank).where(Bank.name == name))
    if bank is None:
        raise NotFound(f"no bank named {name!r}", code="bank_not_found")
    return bank


def get_or_create_bank(
    *,
    db_session: Session,
    name: str,
    category: str,
    action: str,
    source: str = BankSource.MANUAL.value,
    description: str = "",
    actor: str = "system",
) -> Bank:
    """The bank called `name`, created with these settings if it does not exist yet."""
    bank = db_session.scalar(select(Bank).where(Bank.name == name))
    if bank is not None:
        return bank
    return create_bank(
        db_session=db_session,
        name=name,
        category=category,
        action=action,
        source=source,
        description=description,
        actor=actor,
    )


def list_banks(*, db_session: Session) -> list[tuple[Bank, int, int]]:
    """Every bank with its (enabled entries, all entries) counts, by name."""
    counts = _entry_counts(db_session)
    banks = db_session.scalars(select(Bank).order_by(Bank.name)).all()
    return [(bank, *counts.get(bank.id, (0, 0))) for bank in banks]


def entry_counts(*, db_session: Session, bank: Bank) -> tuple[int, int]:
    """(enabled entries, all entries) of one bank."""
    return _entry_counts(db_session, bank.id).get(bank.id, (0, 0))


def _entry_counts(db_session: Session, bank_id: int | None = None) -> dict[int, tuple[int, int]]:
    query = select(
        BankEntryCount.bank_id, func.sum(BankEntryCount.enabled), func.sum(BankEntryCount.entries)
    ).group_by(BankEntryCount.bank_id)
    if bank_id is not None:
        query = query.where(BankEntryCount.bank_id == bank_id)
    return {bank: (int(enabled), int(total)) for bank, enabled, total in db_session.execute(query)}


def _count_entries(db_session: Session, bank_id: int, *, added: int, enabled: int) -> None:
    """Record what this transaction added and enabled (or, negative, disabled) in the bank."""
    if added or enabled:
        db_session.add(BankEntryCount(bank_id=bank_id, entries=added, enabled=enabled))


def fold_entry_counts(db_session: Session) -> int:
    """Fold each bank's count rows into one; returns how many rows went. A row is deleted and
    its numbers taken in one statement, so two processes folding at once never count one twice."""
    folded = 0
    many = select(BankEntryCount.bank_id).group_by(BankEntryCount.bank_id).having(func.count() > 1)
    for bank_id in db_session.scalars(many).all():
        taken = db_session.execute(
            delete(BankEntryCount)
            .where(BankEntryCount.bank_id == bank_id)
            .returning(BankEntryCount.entries, BankEntryCount.enabled)
        ).all()
        if taken:
            db_session.add(
                BankEntryCount(
                    bank_id=bank_id,
                    entries=sum(row.entries for row in taken),
                    enabled=sum(row.enabled for row in taken),
                )
            )
            folded += len(taken) - 1
    return folded


def update_bank(
    *,
    db_session: Session,
    name: str,
    actor: str = "system",
    new_name: str | None = None,
    description: str | None = None,
    category: str | None = None,
    action: str | None = None,
    pdq_threshold: int | None = None,
    enabled: bool | None = None,
    signal_thresholds: dict[str, int] | None = None,
) -> Bank:
    """Change a bank's settings; only the arguments given change."""
    bank = get_bank(db_session=db_session, name=name)
    changes: dict[str, Any] = {}
    if new_name is not None and new_name != bank.name:
        if db_session.scalar(select(Bank.id).where(Bank.name == new_name)) is not None:
            raise Conflict(f"a bank named {new_name!r} exists", code="bank_exists")
        changes["name"] = new_name
    if description is not None:
        changes["description"] = description
    if category is not None:
        changes["category"] = _enum_value(BankCategory, category, "category")
    if action is not None:
        changes["action"] = _enum_value(MatchAction, action, "action")
    if pdq_threshold is not None:
        changes["pdq_threshold"] = _check_threshold(pdq_threshold)
    if enabled is not None:
        changes["enabled"] = enabled
    if signal_thresholds is not None:
        # Canonical type names (aliases accepted); unknown types are a 422 from the registry.
        changes["signal_thresholds"] = {
            get_signal_type(t).name: _check_threshold(int(v)) for t, v in signal_thresholds.items()
        }
    changes = {k: v for k, v in changes.items() if getattr(bank, k) != v}
    if not changes:
        return bank
    widens = _widens(bank, changes)
    for key, value in changes.items():
        setattr(bank, key, value)
    bank.updated_at = clock.now()
    db_session.flush()
    _log_change(db_session, bank_id=bank.id, op=IndexOp.BANK)
    if widens:
        _log_change(db_session, bank_id=bank.id, op=IndexOp.WIDEN)
    audit(
        db_session=db_session,
        actor=actor,
        action="bank.update",
        subject=f"bank:{name}",
        details=changes,
    )
    return bank


def set_bank_enabled(
    *, db_session: Session, name: str, enabled: bool, actor: str = "system"
) -> Bank:
    return update_bank(db_session=db_session, name=name, enabled=enabled, actor=actor)


# --- entries -----------------------------------------------------------------------------------


def normalise_entry(signal_type: str, value: str) -> tuple[str, str]:
    """(canonical type, normalised value) by the signals registry; InvalidInput if not valid.

    The registry accepts python-threatexchange's type names as aliases, so tx files import as is.
    """
    return normalise_signal(signal_type, value)


def value_digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _as_new_entry(item: NewEntry | Mapping[str, Any]) -> NewEntry:
    if isinstance(item, NewEntry):
        return item
    signal_type = item.get("signal_type") or item.get("type")
    if not signal_type or "value" not in item:
        raise InvalidInput("each entry needs a signal type and a value", code="invalid_entry")
    return NewEntry(
        signal_type=str(signal_type),
        value=str(item["value"]),
        external_id=item.get("external_id"),
        note=str(item.get("note") or ""),
    )


def add_entries(
    *,
    db_session: Session,
    bank: Bank | str,
    entries: Iterable[NewEntry | Mapping[str, Any]],
    added_by: str,
    normalised: bool = False,
) -> AddResult:
    """Add hashes to a bank; ones already in it are skipped. InvalidInput on any bad value.

    `entries` are `NewEntry`s or signal dicts (`{"type", "value"}` as the scan API answers them,
    optionally `external_id`, `note`). Each added entry appends an `IndexChange` in this
    transaction. `normalised=True` skips validation for callers that already validated.
    """
    if isinstance(bank, str):
        bank = get_bank(db_session=db_session, name=bank)
    result = AddResult()
    batch: list[NewEntry] = []
    for item in entries:
        entry = _as_new_entry(item)
        if not normalised:
            signal_type, value = normalise_entry(entry.signal_type, entry.value)
            entry = NewEntry(signal_type, value, entry.external_id, entry.note)
        batch.append(entry)
        if len(batch) >= INSERT_BATCH:
            insert_batch(
                db_session=db_session,
                bank_id=bank.id,
                entries=batch,
                added_by=added_by,
                into=result,
            )
            batch = []
    if batch:
        insert_batch(
            db_session=db_session, bank_id=bank.id, entries=batch, added_by=added_by, into=result
        )
    return result


def insert_batches(
    *,
    db_session: Session,
    bank_id: int,
    batches: Iterable[Sequence[NewEntry]],
    added_by: str,
    into: AddResult,
) -> None:
    """`insert_batch` each batch on a helper thread while `batches` parses the next one.

    The database drivers release the GIL while the database works, so parsing and writing
    overlap; the session is only ever used by one thread at a time.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="bank-import") as writer:
        pending: Future[None] | None = None
        for batch in batches:
            if pending is not None:
                pending.result()
            pending = writer.submit(
                insert_batch,
                db_session=db_session,
                bank_id=bank_id,
                entries=batch,
                added_by=added_by,
                into=into,
            )
        if pending is not None:
            pending.result()


def insert_batch(
    *,
    db_session: Session,
    bank_id: int,
    entries: Sequence[NewEntry],
    added_by: str,
    into: AddResult,
) -> None:
    """Insert already-normalised entries with INSERT ... ON CONFLICT DO NOTHING, log the adds.

    The whole batch goes to the database as one JSON parameter expanded by the database
    (PostgreSQL `json_array_elements`, SQLite `json_each`): per-row parameter binding in the ORM,
    and psycopg's pure-Python text-array quoting, cost more than the database's own work.
    """
    unique: dict[tuple[str, str], tuple[str, str, str, str | None, str]] = {}
    for entry in entries:
        digest = value_digest(entry.value)
        # Duplicates within one batch would make ON CONFLICT see the same key twice.
        unique.setdefault(
            (entry.signal_type, digest),
            (entry.signal_type, entry.value, digest, entry.external_id, entry.note),
        )
    rows = list(unique.values())  # file order: entry ids follow the lines they came from
    params = {
        "bank_id": bank_id,
        "added_by": added_by,
        "now": clock.now(),
        "rows": json.dumps(rows),
    }
    if db_session.get_bind().dialect.name == "postgresql":
        new_ids = list(db_session.scalars(_PG_INSERT, params))
    else:
        new_ids = list(db_session.scalars(_SQLITE_INSERT, params))
        if new_ids:
            db_session.execute(_SQLITE_LOG_ADDS, {**params, "ids": json.dumps(new_ids)})
    _count_entries(db_session, bank_id, added=len(new_ids), enabled=len(new_ids))
    into.added += len(new_ids)
    into.skipped += len(entries) - len(new_ids)
    into.entry_ids.extend(new_ids)


_ENTRY_COLUMNS = (
    "bank_id, signal_type, value, value_digest, external_id, note, added_by, added_at, "
    "enabled, updated_at"
)
# PostgreSQL: insert the batch and log each new entry in one round trip.
_PG_INSERT = text(
    f"""
    WITH added AS (
        INSERT INTO bank_entries ({_ENTRY_COLUMNS})
        SELECT :bank_id, r ->> 0, r ->> 1, r ->> 2, r ->> 3, r ->> 4, :added_by, :now, true, :now
        FROM json_array_elements(CAST(:rows AS json)) AS r
        ON CONFLICT (bank_id, signal_type, value_digest) DO NOTHING
        RETURNING id
    ), logged AS (
        INSERT INTO index_changes (entry_id, bank_id, op, changed_at)
        SELECT id, :bank_id, 'add', :now FROM added
    )
    SELECT id FROM added
    """
).bindparams(bindparam("now", type_=UtcDateTime()))
# SQLite: `WHERE true` keeps the parser from reading ON CONFLICT as a join constraint.
_SQLITE_INSERT = text(
    f"""
    INSERT INTO bank_entries ({_ENTRY_COLUMNS})
    SELECT :bank_id, j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4,
           :added_by, :now, 1, :now
    FROM json_each(:rows) AS j WHERE true
    ON CONFLICT (bank_id, signal_type, value_digest) DO NOTHING
    RETURNING id
    """
).bindparams(bindparam("now", type_=UtcDateTime()))
_SQLITE_LOG_ADDS = text(
    """
    INSERT INTO index_changes (entry_id, bank_id, op, changed_at)
    SELECT j.value, :bank_id, 'add', :now FROM json_each(:ids) AS j
    """
).bindparams(bindparam("now", type_=UtcDateTime()))


def get_entry(*, db_session: Session, bank: Bank, entry_id: int) -> BankEntry:
    entry = db_session.get(BankEntry, entry_id)
    if entry is None or entry.bank_id != bank.id:
        raise NotFound(f"no entry {entry_id} in bank {bank.name!r}", code="entry_not_found")
    return entry


def set_entry_enabled(
    *,
    db_session: Session,
    bank_name: str,
    entry_id: int,
    enabled: bool,
    actor: str = "system",
    reason: str | None = None,
) -> BankEntry:
    """Enable or disable one entry (a disabled entry stops matching within the refresh time);
    `reason`, a person's words for the audit log."""
    bank = get_bank(db_session=db_session, name=bank_name)
    entry = get_entry(db_session=db_session, bank=bank, entry_id=entry_id)
    if entry.enabled == enabled:
        return entry
    entry.enabled = enabled
    entry.updated_at = clock.now()
    db_session.flush()
    _count_entries(db_session, bank.id, added=0, enabled=1 if enabled else -1)
    _log_change(
        db_session,
        bank_id=bank.id,
        entry_id=entry.id,
        op=IndexOp.ENABLE if enabled else IndexOp.DISABLE,
    )
    audit(
        db_session=db_session,
        actor=actor,
        action="bank.entry.enable" if enabled else "bank.entry.disable",
        subject=f"bank:{bank.name}",
        details={"entry_id": entry.id, "signal_type": entry.signal_type}
        | ({"reason": reason} if reason else {}),
    )
    return entry


def digests_by_type(
    pairs: Iterable[tuple[str, str]], chunk: int = 500
) -> Iterator[tuple[str, list[str]]]:
    """(signal type, up to `chunk` value digests) from (signal type, value digest) pairs: the
    shape of an indexed `signal_type = ? AND value_digest IN (...)` lookup."""
    by_type: dict[str, list[str]] = {}
    for signal_type, digest in pairs:
        by_type.setdefault(signal_type, []).append(digest)
    for signal_type, digests in by_type.items():
        for start in range(0, len(digests), chunk):
            yield signal_type, digests[start : start + chunk]


def set_entries_enabled(
    *,
    db_session: Session,
    bank_id: int,
    pairs: Iterable[tuple[str, str]],
    enabled: bool,
    added_by: str | None = None,
) -> int:
    """Enable or disable a bank's entries by (signal type, value digest), in bulk (an exchange
    sync; the caller audits the batch). Only entries `added_by` that source when given. Returns
    how many changed; each change is logged for the serving processes."""
    changed: list[int] = []
    for signal_type, digests in digests_by_type(pairs):
        query = select(BankEntry.id).where(
            BankEntry.bank_id == bank_id,
            BankEntry.signal_type == signal_type,
            BankEntry.value_digest.in_(digests),
            BankEntry.enabled.is_(not enabled),
        )
        if added_by is not None:
            query = query.where(BankEntry.added_by == added_by)
        changed.extend(db_session.scalars(query))
    if not changed:
        return 0
    now = clock.now()
    for condition in one_of(db_session, BankEntry.id, changed):
        db_session.execute(
            update(BankEntry).where(condition).values(enabled=enabled, updated_at=now)
        )
    _count_entries(db_session, bank_id, added=0, enabled=len(changed) * (1 if enabled else -1))
    db_session.add_all(
        IndexChange(
            entry_id=entry_id,
            bank_id=bank_id,
            op=IndexOp.ENABLE if enabled else IndexOp.DISABLE,
            changed_at=now,
        )
        for entry_id in changed
    )
    db_session.flush()
    return len(changed)


def iter_entries(
    *, db_session: Session, bank: Bank, include_disabled: bool = False, chunk: int = 20_000
) -> Iterator[Row[int, str, str, str | None, str]]:
    """(id, signal_type, value, external_id, note) in id order, read in keyset-paged chunks so
    an export of millions of entries stays in bounded memory."""
    last_id = 0
    columns = (
        BankEntry.id,
        BankEntry.signal_type,
        BankEntry.value,
        BankEntry.external_id,
        BankEntry.note,
    )
    while True:
        query = select(*columns).where(BankEntry.bank_id == bank.id, BankEntry.id > last_id)
        if not include_disabled:
            query = query.where(BankEntry.enabled.is_(True))
        rows = db_session.execute(query.order_by(BankEntry.id).limit(chunk)).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1][0]


def list_entries(
    *, db_session: Session, bank: Bank, after_id: int = 0, limit: int = 100
) -> list[BankEntry]:
    return list(
        db_session.scalars(
            select(BankEntry)
            .where(BankEntry.bank_id == bank.id, BankEntry.id > after_id)
            .order_by(BankEntry.id)
            .limit(limit)
        )
    )


__all__ = [
    "AddResult",
    "IndexOp",
    "NewEntry",
    "add_entries",
    "create_bank",
    "entry_counts",
    "get_bank",
    "get_or_create_bank",
    "insert_batch",
    "iter_entries",
    "list_banks",
    "list_entries",
    "normalise_entry",
    "set_bank_enabled",
    "set_entry_enabled",
    "update_bank",
]
