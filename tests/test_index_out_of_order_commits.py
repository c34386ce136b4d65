"""A change whose sequence number is lower than one already applied (it committed later, as
PostgreSQL sequences allow) is still applied; a gap nobody can fill any more is dropped."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from takedown import clock
from takedown.banks import service as banks
from takedown.index.service import load_index
from takedown.settings import Settings
from takedown.store.db import session_factory, session_scope

BANKED = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
OTHER = "9a3c5e7f10b2d4c6e8f0a1b3c5d7e9f1029384756afbecd1f2e3d4c5b6a79801"


def _entry_with_change(url: str, bank_id: int, value: str, seq: int) -> int:
    """Insert an entry and its change row under an explicit (out-of-order) seq."""
    with session_scope(url) as db_session:
        entry_id = db_session.execute(
            text(
                "INSERT INTO bank_entries (bank_id, signal_type, value, value_digest, note,"
                " added_by, added_at, enabled, updated_at) VALUES (:b, 'pdq', :v, :d, '', 't',"
                " :now, :on, :now) RETURNING id"
            ),
            {
                "b": bank_id,
                "v": value,
                "d": banks.value_digest(value),
                "now": clock.now(),
                "on": True,
            },
        ).scalar_one()
        db_session.execute(
            text(
                "INSERT INTO index_changes (seq, entry_id, bank_id, op, changed_at)"
                " VALUES (:s, :e, :b, 'add', :now)"
            ),
            {"s": seq, "e": entry_id, "b": bank_id, "now": clock.now()},
        )
    return int(entry_id)


def _bank(url: str) -> int:
    with session_scope(url) as db_session:
        return banks.create_bank(
            db_session=db_session, name="b", category="csam", action="block"
        ).id


def test_lower_seq_committed_later_is_applied(settings: Settings) -> None:
    url = settings.resolved_database_url
    bank_id = _bank(url)
    index = load_index(settings)
    with session_scope(url) as db_session:
        high = int(db_session.execute(text("SELECT MAX(seq) FROM index_changes")).scalar_one())
    later = _entry_with_change(url, bank_id, BANKED, high + 10)
    index.refresh()
    assert [h.entry_id for h in index.query("pdq", BANKED)] == [later]
    earlier = _entry_with_change(url, bank_id, OTHER, high + 5)  # lower seq, visible only now
    index.refresh()
    assert [h.entry_id for h in index.query("pdq", OTHER)] == [earlier]
    index.close()


def test_concurrent_transactions_commit_out_of_order(settings: Settings) -> None:
    url = settings.resolved_database_url
    if not url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: its sequence cannot commit out of order")
    _bank(url)
    index = load_index(settings)
    slow = session_factory(url)()
    try:
        # The slow transaction takes its sequence numbers first and commits last.
        slow_ids = banks.add_entries(
            db_session=slow, bank="b", entries=[{"type": "pdq", "value": BANKED}], added_by="t"
        ).entry_ids
        with session_scope(url) as quick:
            quick_ids = banks.add_entries(
                db_session=quick, bank="b", entries=[{"type": "pdq", "value": OTHER}], added_by="t"
            ).entry_ids
        index.refresh()
        index.refresh()  # the slow transaction is still open: its gap must survive polls
        assert [h.entry_id for h in index.query("pdq", OTHER)] == quick_ids
        assert index.query("pdq", BANKED) == []
        slow.commit()
    finally:
        slow.close()
    index.refresh()
    assert [h.entry_id for h in index.query("pdq", BANKED)] == slow_ids
    index.close()


def test_gap_of_a_rolled_back_transaction_is_dropped(settings: Settings) -> None:
    url = settings.resolved_database_url
    if not url.startswith("postgresql"):
        pytest.skip("SQLite reuses rolled-back rowids: no gap arises")
    _bank(url)
    index = load_index(settings)
    failed = session_factory(url)()
    banks.add_entries(
        db_session=failed, bank="b", entries=[{"type": "pdq", "value": BANKED}], added_by="t"
    )
    with session_scope(url) as quick:
        banks.add_entries(
            db_session=quick, bank="b", entries=[{"type": "pdq", "value": OTHER}], added_by="t"
        )
    index.refresh()
    assert index._cursor.gaps
    failed.rollback()
    failed.close()
    index.refresh()
    index.refresh()
    assert index._cursor.gaps == []
    index.close()
