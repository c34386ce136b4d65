"""Following an exchange: configure, fetch in resumable batches, apply adds and withdrawals.

Each batch python-threatexchange yields is applied in one transaction together with the
checkpoint after it, so a crash or a stop mid-fetch resumes where the last batch ended and no
batch is applied twice. Added hashes become bank entries (seen by every serving process through
the index change log); when every record holding a hash has been withdrawn (an NCMEC tombstone, a
StopNCII case withdrawn, a line gone from a followed file), its entry is disabled.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.models import AuditEntry
from takedown.audit.service import record as audit
from takedown.banks.models import Bank, BankEntry, BankSource
from takedown.banks.service import (
    NewEntry,
    add_entries,
    digests_by_type,
    get_bank,
    set_entries_enabled,
    value_digest,
)
from takedown.errors import Conflict, InvalidInput, NotFound
from takedown.exchanges import apis
from takedown.exchanges.metrics import ENTRY_CHANGES, SYNCS
from takedown.exchanges.models import BankExchange, ExchangeSignal
from takedown.exchanges.schemas import ExchangeOut
from takedown.jobs import leases
from takedown.settings import Settings
from takedown.signals.registry import normalise_signal
from takedown.store.db import one_of, session_scope

log = logging.getLogger(__name__)

CLAIM = timedelta(minutes=10)  # renewed with every batch; a crashed sync frees the bank after it
MAX_RETRY_WAIT = timedelta(hours=1)
# A full fetch (a followed file, a stale checkpoint) cannot stop and resume, so a background one
# may run past its budget, but not this many budgets (20 s: 10 minutes): a feed whose paging never
# ends must not hold the exchange job (every other bank's sync) for good.
FULL_FETCH_BUDGETS = 30
KEY_CHUNK = 500

Pair = tuple[str, str]  # (signal type, value digest)
ENTRY_CHANGES_COUNTED = ("added", "enabled", "retracted", "refused")
ENTRY_OFF, ENTRY_ON = "bank.entry.disable", "bank.entry.enable"  # one entry switched, audited


@dataclass
class Counts:
    """Exchange records applied; bank entries added, enabled again and retracted; and hashes
    refused (malformed, of an unknown type, or a blank picture's PDQ: never banked)."""

    records: int = 0
    added: int = 0
    enabled: int = 0
    retracted: int = 0
    refused: int = 0

    def counts(self) -> dict[str, int]:
        return {"records": self.records, **{c: getattr(self, c) for c in ENTRY_CHANGES_COUNTED}}

    def add(self, other: Counts) -> None:
        for name, value in other.counts().items():
            setattr(self, name, getattr(self, name) + value)


class FullFetchTooLong(Exception):
    """A background full fetch ran past FULL_FETCH_BUDGETS budgets (recorded as a failure)."""


class EmptyFullFetch(Exception):
    """A full fetch listed nothing while the bank holds records (recorded as a failure)."""


@dataclass
class SyncOutcome(Counts):
    batches: int = 0
    complete: bool = False


@dataclass
class _Batch(Counts):
    keys: list[str] = field(default_factory=list)


# --- configuration ------------------------------------------------------------------------------


def follow(
    *,
    db_session: Session,
    bank_name: str,
    api: str,
    config: Mapping[str, Any],
    every_minutes: int,
    actor: str,
    over_http: bool = False,
) -> BankExchange:
    """Make a bank follow an exchange (or change how it does); the first sync runs at once."""
    bank = get_bank(db_session=db_session, name=bank_name)
    kind = apis.kind_of(api)
    if over_http and not kind.over_http:
        raise InvalidInput(
            f"{kind.name} is set up on the host: takedown bank follow {bank_name} --exchange "
            f"{kind.name}",
            code="exchange_host_only",
        )
    if every_minutes < 1:
        raise InvalidInput("every_minutes must be at least 1", code="invalid_input")
    apis.collab_config(kind, bank.name, config)  # refuses unknown or ill-typed settings
    now = clock.now()
    exchange = db_session.get(BankExchange, bank.id)
    if exchange is not None and exchange.api != kind.name:
        raise Conflict(
            f"bank {bank.name!r} follows {exchange.api}; stop following it first",
            code="exchange_exists",
        )
    if exchange is None:
        exchange = BankExchange(
            bank_id=bank.id,
            api=kind.name,
            config=dict(config),
            every_minutes=every_minutes,
            next_sync_at=now,
            last_error="",
            failures=0,
            totals={},
            created_at=now,
            updated_at=now,
        )
        db_session.add(exchange)
    else:
        if dict(exchange.config) != dict(config):
            exchange.checkpoint = None  # another dataset: fetch it from the start
        exchange.config = dict(config)
        exchange.every_minutes = every_minutes
        exchange.next_sync_at = now
        exchange.updated_at = now
    bank.source = BankSource.EXCHANGE.value
    db_session.flush()
    audit(
        db_session=db_session,
        actor=actor,
        action="bank.exchange.follow",
        subject=f"bank:{bank.name}",
        details={"exchange": kind.name, "config": dict(config), "every_minutes": every_minutes},
    )
    return exchange


def unfollow(*, db_session: Session, bank_name: str, actor: str) -> None:
    """Stop following; the entries stay as they are (disable the bank to stop its matches)."""
    bank = get_bank(db_session=db_session, name=bank_name)
    exchange = exchange_of(db_session=db_session, bank=bank)
    db_session.execute(delete(ExchangeSignal).where(ExchangeSignal.bank_id == bank.id))
    db_session.delete(exchange)
    audit(
        db_session=db_session,
        actor=actor,
        action="bank.exchange.unfollow",
        subject=f"bank:{bank.name}",
        details={"exchange": exchange.api},
    )


def exchange_of(*, db_session: Session, bank: Bank) -> BankExchange:
    exchange = db_session.get(BankExchange, bank.id)
    if exchange is None:
        raise NotFound(f"bank {bank.name!r} follows no exchange", code="exchange_not_found")
    return exchange


def request_sync(*, db_session: Session, bank_name: str) -> BankExchange:
    """Sync at the next run of the background job (within seconds)."""
    bank = get_bank(db_session=db_session, name=bank_name)
    exchange = exchange_of(db_session=db_session, bank=bank)
    exchange.next_sync_at = clock.now()
    return exchange


def progress_timestamp(exchange: BankExchange) -> int | None:
    """How far the exchange's own timeline has been fetched (epoch seconds), where it says (0:
    nothing fetched yet, as after an empty privacy group)."""
    checkpoint = apis.load_checkpoint(apis.kind_of(exchange.api), exchange.checkpoint)
    return None if checkpoint is None else checkpoint.get_progress_timestamp() or None


def status_of(*, db_session: Session, bank_name: str, exchange: BankExchange) -> ExchangeOut:
    """How a bank's exchange stands (the API's answer and `takedown exchange status`)."""
    claimed = exchange.claimed_until
    return ExchangeOut(
        bank=bank_name,
        exchange=exchange.api,
        config=exchange.config,
        every_minutes=exchange.every_minutes,
        last_synced_at=exchange.last_synced_at,
        next_sync_at=exchange.next_sync_at,
        syncing=claimed is not None and claimed > clock.now(),
        fetched_up_to=_as_time(progress_timestamp(exchange)),
        records=record_count(db_session=db_session, bank_id=exchange.bank_id),
        totals={k: int(v) for k, v in exchange.totals.items()},
        failures=exchange.failures,
        last_error=exchange.last_error,
    )


def _as_time(epoch_seconds: int | None) -> datetime | None:
    try:
        return None if epoch_seconds is None else datetime.fromtimestamp(epoch_seconds, UTC)
    except (ValueError, OverflowError, OSError):
        return None  # an exchange counting in other units: shown as unknown, never a 500


def record_count(*, db_session: Session, bank_id: int) -> int:
    return int(
        db_session.scalar(
            select(func.count(func.distinct(ExchangeSignal.record_key))).where(
                ExchangeSignal.bank_id == bank_id
            )
        )
        or 0
    )


# --- syncing ------------------------------------------------------------------------------------


def sync(
    settings: Settings,
    bank_name: str,
    *,
    budget_seconds: float | None = None,
    on_batch: Callable[[SyncOutcome], None] | None = None,
    actor: str = "system",
) -> SyncOutcome:
    """Fetch from the bank's exchange and apply it. With `budget_seconds`, stop after the batch
    that passes it (the next run resumes from the checkpoint). Errors are recorded on the bank's
    exchange (`last_error`, retried with backoff) and raised."""
    url = settings.resolved_database_url
    with session_scope(url) as db_session:
        bank = get_bank(db_session=db_session, name=bank_name)
        exchange = exchange_of(db_session=db_session, bank=bank)
        if not _claim(db_session, bank.id):
            db_session.refresh(exchange)
            lapses = exchange.claimed_until
            raise Conflict(
                f"a sync of bank {bank.name!r} is running"
                + (
                    f" (if it was killed, its claim lapses at {lapses:%Y-%m-%d %H:%M:%S} UTC)"
                    if lapses is not None
                    else ""
                ),
                code="sync_running",
            )
        bank_id, bank_label = bank.id, bank.name
        kind = apis.kind_of(exchange.api)
        config = dict(exchange.config)
        stored_checkpoint = exchange.checkpoint
    outcome = SyncOutcome()
    try:
        collab = apis.collab_config(kind, bank_label, config)
        checkpoint = apis.load_checkpoint(kind, stored_checkpoint)
        # A snapshot exchange lists everything each time; a stale checkpoint starts over. Either
        # way, whatever the full fetch did not list has been withdrawn.
        full = kind.snapshot or (checkpoint is not None and checkpoint.is_stale())
        seen: set[str] = set()
        reached = stored_checkpoint
        started = time.monotonic()
        exchange_api = kind.connect(collab, settings)
        deltas = exchange_api.fetch_iter(apis.SUPPORTED_SIGNAL_TYPES, None if full else checkpoint)
        for delta in deltas:
            with session_scope(url) as db_session:
                if db_session.get(BankExchange, bank_id, with_for_update=True) is None:
                    return outcome  # unfollowed meanwhile: nothing more is applied
                batch = _apply(db_session, bank_id, kind, collab, delta.updates)
                if not kind.snapshot:
                    reached = apis.dump_checkpoint(delta.checkpoint)
                # A full fetch keeps the stale checkpoint until it has listed everything: stopped
                # or crashed midway, the next sync fetches everything again and no withdrawal is
                # lost (from a fresh checkpoint it would only fetch what changed).
                _save_progress(db_session, bank_id, stored_checkpoint if full else reached, batch)
            if full:
                seen.update(batch.keys)
            _add(outcome, batch)
            if on_batch is not None:
                on_batch(outcome)
            took = time.monotonic() - started
            if budget_seconds is not None and took > budget_seconds:
                if not full:
                    break  # the next run resumes from the checkpoint
                if took > budget_seconds * FULL_FETCH_BUDGETS:
                    raise FullFetchTooLong(
                        f"a full fetch from {kind.name} did not end within {took:.0f} s (its "
                        f"paging may never end); it starts over at each retry. To fetch a list "
                        f"this long, run `takedown exchange sync {bank_label}` (no time limit)"
                    )
        else:
            outcome.complete = True
        if full and outcome.complete:
            _add(outcome, _withdraw_unlisted(url, bank_id, kind, collab, seen, reached))
    except Exception as exc:
        _record_failure(url, bank_id, kind.name, exc, actor)
        SYNCS.labels(kind.name, "failed").inc()
        raise
    _record_success(url, bank_id, outcome, actor)
    SYNCS.labels(kind.name, "complete" if outcome.complete else "partial").inc()
    for change in ENTRY_CHANGES_COUNTED:
        ENTRY_CHANGES.labels(kind.name, change).inc(getattr(outcome, change))
    return outcome


def due_banks(settings: Settings) -> list[str]:
    """Banks whose exchange is due and not being synced (enabled banks only)."""
    now = clock.now()
    with session_scope(settings.resolved_database_url) as db_session:
        return list(
            db_session.scalars(
                select(Bank.name)
                .join(BankExchange, BankExchange.bank_id == Bank.id)
                .where(
                    Bank.enabled.is_(True),
                    BankExchange.next_sync_at <= now,
                    leases.is_free(BankExchange.claimed_until),
                )
                .order_by(BankExchange.next_sync_at)
            )
        )


def _claim(db_session: Session, bank_id: int) -> bool:
    return leases.take(
        db_session,
        BankExchange.claimed_until,
        BankExchange.bank_id == bank_id,
        until=clock.now() + CLAIM,
    )


def _save_progress(
    db_session: Session, bank_id: int, checkpoint: dict[str, Any] | None, batch: _Batch
) -> None:
    exchange = db_session.get(BankExchange, bank_id)
    assert exchange is not None
    exchange.checkpoint = checkpoint
    exchange.claimed_until = clock.now() + CLAIM
    _add_totals(db_session, bank_id, batch)


def _add_totals(db_session: Session, bank_id: int, batch: _Batch) -> None:
    exchange = db_session.get(BankExchange, bank_id)
    assert exchange is not None
    totals = dict(exchange.totals)
    for name, value in batch.counts().items():
        totals[name] = int(totals.get(name, 0)) + value
    exchange.totals = totals


def _record_success(url: str, bank_id: int, outcome: SyncOutcome, actor: str) -> None:
    with session_scope(url) as db_session:
        exchange = db_session.get(BankExchange, bank_id)
        bank = db_session.get(Bank, bank_id)
        if exchange is None or bank is None:
            return  # unfollowed meanwhile
        now = clock.now()
        exchange.claimed_until = None
        exchange.last_error = ""
        exchange.failures = 0
        exchange.updated_at = now
        if outcome.complete:
            exchange.last_synced_at = now
            exchange.next_sync_at = now + timedelta(minutes=exchange.every_minutes)
        else:
            exchange.next_sync_at = now  # more to fetch: carry on at the next run
        if outcome.batches:
            audit(
                db_session=db_session,
                actor=actor,
                action="bank.exchange.sync",
                subject=f"bank:{bank.name}",
                details={
                    "exchange": exchange.api,
                    "complete": outcome.complete,
                    **outcome.counts(),
                },
            )


def _record_failure(url: str, bank_id: int, api: str, exc: Exception, actor: str) -> None:
    log.warning("exchange sync of bank %s (%s) failed: %s", bank_id, api, exc)
    with session_scope(url) as db_session:
        exchange = db_session.get(BankExchange, bank_id)
        bank = db_session.get(Bank, bank_id)
        if exchange is None or bank is None:
            return
        now = clock.now()
        exchange.failures += 1
        exchange.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        wait = min(timedelta(minutes=2 ** min(exchange.failures - 1, 10)), MAX_RETRY_WAIT)
        exchange.next_sync_at = now + wait
        exchange.claimed_until = None
        exchange.updated_at = now
        audit(
            db_session=db_session,
            actor=actor,
            action="bank.exchange.sync_failed",
            subject=f"bank:{bank.name}",
            details={"exchange": api, "error": exchange.last_error, "failures": exchange.failures},
        )


def _add(outcome: SyncOutcome, batch: _Batch) -> None:
    outcome.batches += 1
    outcome.add(batch)


# --- applying a batch ---------------------------------------------------------------------------


def record_key(key: object) -> str:
    """An exchange's record key as stored: NCMEC's entry id, or `type value` for the exchanges
    keyed by the hash itself."""
    text = " ".join(str(part) for part in key) if isinstance(key, tuple) else str(key)
    if len(text) > 255:
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    return text


def _apply(
    db_session: Session,
    bank_id: int,
    kind: apis.ExchangeKind,
    collab: Any,
    updates: Mapping[Any, Any],
) -> _Batch:
    bank = db_session.get(Bank, bank_id)
    assert bank is not None
    batch = _Batch(records=len(updates))
    wanted: dict[str, dict[Pair, NewEntry]] = {}
    for raw_key, value in updates.items():
        key = record_key(raw_key)
        batch.keys.append(key)
        merged = None if value is None else kind.api_class.fetch_value_merge(None, value)
        wanted[key] = {}
        if merged is not None:
            wanted[key], refused = _entries_of(kind, collab, raw_key, key, merged, bank)
            if refused and not batch.refused:
                log.warning("bank %s: %s record %s: %s", bank.name, kind.name, key, refused[0])
            batch.refused += len(refused)
    held = _held_by(db_session, bank_id, list(wanted))
    added: dict[Pair, NewEntry] = {}
    for key, entries in wanted.items():
        for pair in entries.keys() - held.get(key, set()):
            added.setdefault(pair, entries[pair])
    # Added hashes no record held before this batch: if the exchange had withdrawn their entries,
    # they come back; an entry a person switched off stays off (whatever the exchange did since).
    returning = set(added) - _still_held(db_session, bank_id, added)
    returning -= _switched_off_by_hand(db_session, bank, returning)
    removed: set[Pair] = set()
    for key, entries in wanted.items():
        before = held.get(key, set())
        for pair in before - entries.keys():
            removed.add(pair)
            db_session.execute(
                delete(ExchangeSignal).where(
                    ExchangeSignal.bank_id == bank_id,
                    ExchangeSignal.record_key == key,
                    ExchangeSignal.signal_type == pair[0],
                    ExchangeSignal.value_digest == pair[1],
                )
            )
        db_session.add_all(
            ExchangeSignal(bank_id=bank_id, record_key=key, signal_type=t, value_digest=d)
            for t, d in entries.keys() - before
        )
    db_session.flush()
    added_by = f"exchange:{kind.name}"
    result = add_entries(
        db_session=db_session,
        bank=bank,
        entries=list(added.values()),
        added_by=added_by,
        normalised=True,
    )
    batch.added = result.added
    batch.enabled = set_entries_enabled(
        db_session=db_session, bank_id=bank_id, pairs=returning, enabled=True, added_by=added_by
    )
    # Only what the exchange itself added is withdrawn with it, never a hash a person banked.
    orphaned = removed - _still_held(db_session, bank_id, removed)
    batch.retracted = set_entries_enabled(
        db_session=db_session, bank_id=bank_id, pairs=orphaned, enabled=False, added_by=added_by
    )
    return batch


def _entries_of(
    kind: apis.ExchangeKind, collab: Any, raw_key: object, key: str, record: Any, bank: Bank
) -> tuple[dict[Pair, NewEntry], list[str]]:
    """The record's hashes as bank entries, and a reason for each hash it refused."""
    entries: dict[Pair, NewEntry] = {}
    refused: list[str] = []
    for type_name, raw_value, detail in kind.signals_of(collab, raw_key, record):
        try:
            signal_type, value = normalise_signal(type_name, raw_value)
        except InvalidInput as exc:
            # An exchange's malformed hash or unknown type never reaches the index.
            refused.append(f"{type_name} hash refused: {exc.detail}"[:300])
            continue
        if signal_type == "pdq" and _blank_picture_pdq(value, bank.pdq_threshold):
            refused.append(f"pdq {value} is a blank picture's hash; not banked")
            continue
        note = f"{kind.name} {key}" + (f": {detail}" if detail else "")
        entries[signal_type, value_digest(value)] = NewEntry(
            signal_type, value, f"{kind.name}:{key}"[:255], note[:1000]
        )
    return entries, refused


def _blank_picture_pdq(value: str, threshold: int) -> bool:
    """A PDQ within the bank's distance of a black picture's (all zeros).

    PDQ sets one bit for each DCT coefficient above their median, so a picture with any detail
    hashes to 128 set bits; only a flat picture's coefficients tie and leave fewer. A shared hash
    this close to zero matches blank pictures, not known material: a broken or poisoned feed.
    """
    return int(value, 16).bit_count() <= threshold


def _held_by(db_session: Session, bank_id: int, keys: list[str]) -> dict[str, set[Pair]]:
    held: dict[str, set[Pair]] = {}
    for condition in one_of(db_session, ExchangeSignal.record_key, keys):
        rows = db_session.execute(
            select(
                ExchangeSignal.record_key, ExchangeSignal.signal_type, ExchangeSignal.value_digest
            ).where(ExchangeSignal.bank_id == bank_id, condition)
        )
        for key, signal_type, digest in rows:
            held.setdefault(key, set()).add((signal_type, digest))
    return held


def _still_held(db_session: Session, bank_id: int, pairs: Iterable[Pair]) -> set[Pair]:
    """The pairs some record holds."""
    held: set[Pair] = set()
    for signal_type, digests in digests_by_type(pairs, KEY_CHUNK):
        query = select(ExchangeSignal.value_digest).where(
            ExchangeSignal.bank_id == bank_id,
            ExchangeSignal.signal_type == signal_type,
            ExchangeSignal.value_digest.in_(digests),
        )
        held.update((signal_type, digest) for digest in db_session.scalars(query))
    return held


def _switched_off_by_hand(db_session: Session, bank: Bank, pairs: set[Pair]) -> set[Pair]:
    """The pairs whose disabled entry was last switched off on its own (by a person, or an appeal
    overturning a removal), not with an exchange's withdrawal: the audit log holds each such
    switch (`bank.entry.disable`, then `bank.entry.enable` if switched on again), while an
    exchange's withdrawals are audited by the batch."""
    disabled: dict[int, Pair] = {}
    for signal_type, digests in digests_by_type(pairs, KEY_CHUNK):
        rows = db_session.execute(
            select(BankEntry.id, BankEntry.value_digest).where(
                BankEntry.bank_id == bank.id,
                BankEntry.signal_type == signal_type,
                BankEntry.value_digest.in_(digests),
                BankEntry.enabled.is_(False),
            )
        )
        disabled.update({entry_id: (signal_type, digest) for entry_id, digest in rows})
    if not disabled:
        return set()
    last: dict[int, str] = {}
    switches = select(AuditEntry.action, AuditEntry.details).where(
        AuditEntry.subject == f"bank:{bank.name}",
        AuditEntry.action.in_((ENTRY_OFF, ENTRY_ON)),
    )
    for action, details in db_session.execute(switches.order_by(AuditEntry.seq)):
        entry_id = details.get("entry_id") if isinstance(details, dict) else None
        if entry_id in disabled:
            last[entry_id] = action
    return {disabled[entry_id] for entry_id, action in last.items() if action == ENTRY_OFF}


def _withdraw_unlisted(
    url: str,
    bank_id: int,
    kind: apis.ExchangeKind,
    collab: Any,
    listed: set[str],
    checkpoint: dict[str, Any] | None,
) -> _Batch:
    """After a full fetch: every record it did not list is withdrawn, and the fetch's checkpoint
    saved in the same transaction."""
    with session_scope(url) as db_session:
        stored = set(
            db_session.scalars(
                select(ExchangeSignal.record_key)
                .where(ExchangeSignal.bank_id == bank_id)
                .distinct()
            )
        )
        if stored and not listed:
            # An empty answer is far likelier a broken feed (a file truncated while it is
            # rewritten, an exchange answering with nothing) than a list emptied on purpose, and
            # withdrawing everything would stop the bank blocking anything.
            raise EmptyFullFetch(
                f"the full fetch from {kind.name} listed nothing while {len(stored)} records "
                f"are held: nothing withdrawn. If the list is empty on purpose, stop following "
                f"it (takedown exchange unfollow) and disable the bank or its entries"
            )
        gone = sorted(stored - listed)
        batch = _apply(db_session, bank_id, kind, collab, dict.fromkeys(gone))
        _save_progress(db_session, bank_id, checkpoint, batch)
        return batch
