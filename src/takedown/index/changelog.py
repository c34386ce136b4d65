"""Follow the `index_changes` log without losing changes that commit out of sequence order.

PostgreSQL hands out sequence numbers when rows are inserted, not when transactions commit, so a
lower `seq` can become visible after a higher one (a long import next to a quick disable). The
cursor keeps the highest seq it has seen and, below it, the ranges it has not seen ("gaps"), and
re-reads those ranges on every poll until they fill or can no longer fill:

- PostgreSQL: a gap noticed at database time T can only be filled by a transaction that was
  already running at T. Once no other transaction older than T is running (pg_stat_activity),
  a still-empty gap belongs to a rolled-back transaction and is dropped.
- SQLite has one writer at a time and reuses rolled-back rowids, so gaps do not arise there; any
  gap (say, a deleted row) is dropped after `gap_timeout` seconds.

A gap older than `gap_timeout` is dropped on either database (a safety net if pg_stat_activity is
not readable).
"""

from __future__ import annotations

import bisect
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

MAX_GAP_RANGES = 64  # beyond this, neighbouring ranges merge (re-reading a seen row is harmless)
BATCH = 50_000


@dataclass
class Gap:
    first: int
    last: int
    noticed_db: datetime | None  # database clock when first noticed (PostgreSQL)
    noticed_mono: float  # process clock when first noticed (the timeout)


@dataclass(frozen=True)
class Change:
    """One change-log row with the entry's current state (None: a bank-level change or gone)."""

    seq: int
    op: str
    bank_id: int
    entry_id: int | None
    entry: tuple[int, str, str, bool] | None  # (bank_id, signal_type, value, enabled)


@dataclass
class ChangeCursor:
    high: int = 0
    gaps: list[Gap] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"high": self.high, "gaps": [[g.first, g.last] for g in self.gaps]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChangeCursor:
        now = time.monotonic()
        return cls(int(data["high"]), [Gap(a, b, None, now) for a, b in data.get("gaps", [])])

    def copy(self) -> ChangeCursor:
        gaps = [Gap(g.first, g.last, g.noticed_db, g.noticed_mono) for g in self.gaps]
        return ChangeCursor(self.high, gaps)

    def poll(self, db_session: Session, *, gap_timeout: float) -> list[Change]:
        """Every change not yet seen (in seq order), and advance past them."""
        postgres = db_session.get_bind().dialect.name == "postgresql"
        checked_at, oldest_running = _running_transactions(db_session) if postgres else (None, None)
        changes: list[Change] = []
        while True:
            batch = self._read(db_session)
            if not batch:
                break
            changes.extend(batch)
            stamp = _database_now(db_session) if postgres else None
            self._advance([c.seq for c in batch], stamp)
            if len(batch) < BATCH:
                break
        if postgres and any(g.noticed_db is None for g in self.gaps):
            stamp = _database_now(db_session)  # gaps from a snapshot: noticed no later than now
            for gap in self.gaps:
                gap.noticed_db = gap.noticed_db or stamp
        self._expire(checked_at=checked_at, oldest_running=oldest_running, gap_timeout=gap_timeout)
        return changes

    def _read(self, db_session: Session) -> list[Change]:
        conditions = ["c.seq > :high"]
        params: dict[str, Any] = {"high": self.high, "limit": BATCH}
        for i, gap in enumerate(self.gaps):
            conditions.append(f"c.seq BETWEEN :g{i}a AND :g{i}b")
            params[f"g{i}a"], params[f"g{i}b"] = gap.first, gap.last
        rows = db_session.execute(
            text(
                "SELECT c.seq, c.op, c.bank_id, c.entry_id, e.bank_id, e.signal_type, e.value,"
                " e.enabled FROM index_changes c LEFT JOIN bank_entries e ON e.id = c.entry_id"
                f" WHERE {' OR '.join(conditions)} ORDER BY c.seq LIMIT :limit"
            ),
            params,
        ).all()
        return [
            Change(
                int(seq),
                op,
                int(bank_id),
                None if entry_id is None else int(entry_id),
                None if e_bank is None else (int(e_bank), e_type, e_value, bool(e_enabled)),
            )
            for seq, op, bank_id, entry_id, e_bank, e_type, e_value, e_enabled in rows
        ]

    def _advance(self, seqs: list[int], stamp: datetime | None) -> None:
        """Mark `seqs` (sorted) seen: fill gaps, and open gaps for what was skipped above `high`."""
        now = time.monotonic()
        last = seqs[-1]
        # Everything in (high, last] not returned is a new gap; so are unseen seqs inside old gaps.
        candidates = [*self.gaps]
        if last > self.high:
            candidates.append(Gap(self.high + 1, last, stamp, now))
            self.high = last
        remaining: list[Gap] = []
        for gap in candidates:
            lo = bisect.bisect_left(seqs, gap.first)
            hi = bisect.bisect_right(seqs, gap.last)
            start = gap.first
            for seq in seqs[lo:hi]:
                if seq > start:
                    remaining.append(Gap(start, seq - 1, gap.noticed_db, gap.noticed_mono))
                start = seq + 1
            if start <= gap.last:
                remaining.append(Gap(start, gap.last, gap.noticed_db, gap.noticed_mono))
        remaining.sort(key=lambda g: g.first)
        while len(remaining) > MAX_GAP_RANGES:
            # Merge the two closest neighbours; the seen rows between them are re-read, harmlessly.
            i = min(
                range(len(remaining) - 1),
                key=lambda k: remaining[k + 1].first - remaining[k].last,
            )
            a, b = remaining[i], remaining[i + 1]
            noticed = _earliest(a.noticed_db, b.noticed_db)
            remaining[i : i + 2] = [
                Gap(a.first, b.last, noticed, min(a.noticed_mono, b.noticed_mono))
            ]
        self.gaps = remaining

    def _expire(
        self, *, checked_at: datetime | None, oldest_running: datetime | None, gap_timeout: float
    ) -> None:
        now = time.monotonic()
        kept = []
        for gap in self.gaps:
            if now - gap.noticed_mono > gap_timeout:
                continue
            if (
                checked_at is not None
                and gap.noticed_db is not None
                and gap.noticed_db < checked_at
                and (oldest_running is None or oldest_running > gap.noticed_db)
            ):
                continue  # every transaction that could still fill it has ended
            kept.append(gap)
        self.gaps = kept


def latest_seq(db_session: Session) -> int:
    newest = db_session.execute(text("SELECT COALESCE(MAX(seq), 0) FROM index_changes"))
    return int(newest.scalar_one())


def _running_transactions(db_session: Session) -> tuple[datetime, datetime | None]:
    """(database now, start of the oldest other open transaction on this database)."""
    row = db_session.execute(
        text(
            "SELECT clock_timestamp(), (SELECT MIN(xact_start) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND xact_start IS NOT NULL)"
        )
    ).one()
    return row[0], row[1]


def _database_now(db_session: Session) -> datetime:
    return db_session.execute(text("SELECT clock_timestamp()")).scalar_one()


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return None
    return min(a, b)
