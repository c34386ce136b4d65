"""Load the match index for a serving process and keep it current from the change log.

INTERIM IMPLEMENTATION (skeleton): loads everything from the database and answers PDQ queries by a
numpy brute-force scan. The index issue replaces the internals (multi-index hashing, snapshots,
incremental refresh) behind the same interface.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select

from takedown.banks.models import Bank, BankEntry
from takedown.jobs.runner import PeriodicJob
from takedown.settings import Settings
from takedown.store.db import session_scope

HAMMING_SIGNALS = frozenset({"pdq"})


@dataclass(frozen=True)
class BankInfo:
    id: int
    name: str
    category: str
    action: str
    pdq_threshold: int
    signal_thresholds: dict[str, int]
    enabled: bool


@dataclass(frozen=True)
class IndexHit:
    entry_id: int
    bank_id: int
    signal_type: str
    distance: int | None  # Hamming distance; None for exact signals


@dataclass
class MatchIndex:
    settings: Settings
    banks: dict[int, BankInfo] = field(default_factory=dict)
    ready: bool = False
    _exact: dict[tuple[str, str], list[tuple[int, int]]] = field(default_factory=dict)
    _pdq_bits: np.ndarray = field(default_factory=lambda: np.zeros((0, 32), np.uint8))
    _pdq_meta: list[tuple[int, int]] = field(default_factory=list)

    def refresh(self) -> int:
        with session_scope(self.settings.resolved_database_url) as db:
            banks = {
                b.id: BankInfo(
                    b.id,
                    b.name,
                    b.category,
                    b.action,
                    b.pdq_threshold,
                    dict(b.signal_thresholds or {}),
                    b.enabled,
                )
                for b in db.scalars(select(Bank))
            }
            rows = db.execute(
                select(
                    BankEntry.id, BankEntry.bank_id, BankEntry.signal_type, BankEntry.value
                ).where(BankEntry.enabled.is_(True))
            ).all()
        exact: dict[tuple[str, str], list[tuple[int, int]]] = {}
        pdq_hex: list[str] = []
        pdq_meta: list[tuple[int, int]] = []
        for entry_id, bank_id, signal_type, value in rows:
            if signal_type in HAMMING_SIGNALS:
                pdq_hex.append(value)
                pdq_meta.append((entry_id, bank_id))
            exact.setdefault((signal_type, value), []).append((entry_id, bank_id))
        self.banks, self._exact, self._pdq_meta = banks, exact, pdq_meta
        self._pdq_bits = (
            np.frombuffer(bytes.fromhex("".join(pdq_hex)), np.uint8).reshape(-1, 32)
            if pdq_hex
            else np.zeros((0, 32), np.uint8)
        )
        self.ready = True
        return len(rows)

    def query(self, signal_type: str, value: str, *, exact_only: bool = False) -> list[IndexHit]:
        """Every enabled entry matching `value`, within each bank's own threshold."""
        hits = [
            IndexHit(entry_id, bank_id, signal_type, 0 if signal_type in HAMMING_SIGNALS else None)
            for entry_id, bank_id in self._exact.get((signal_type, value.lower()), [])
            if self.banks[bank_id].enabled
        ]
        if signal_type not in HAMMING_SIGNALS or exact_only or len(self._pdq_meta) == 0:
            return hits
        query = np.frombuffer(bytes.fromhex(value), np.uint8)
        distances = np.unpackbits(self._pdq_bits ^ query, axis=1).sum(axis=1)
        seen = {h.entry_id for h in hits}
        for row in np.nonzero(distances <= 256)[0]:
            entry_id, bank_id = self._pdq_meta[row]
            bank = self.banks[bank_id]
            if entry_id in seen or not bank.enabled or distances[row] > bank.pdq_threshold:
                continue
            hits.append(IndexHit(entry_id, bank_id, signal_type, int(distances[row])))
        return hits

    def size(self) -> dict[str, int]:
        return {"pdq": len(self._pdq_meta), "exact": len(self._exact)}

    def close(self) -> None:
        self.ready = False


def load_index(settings: Settings) -> MatchIndex:
    index = MatchIndex(settings)
    index.refresh()
    return index


def refresh_job(app: object) -> PeriodicJob:
    def run(_: Settings) -> None:
        app.state.index.refresh()  # type: ignore[attr-defined]

    return PeriodicJob("index-refresh", run, 1.0)
