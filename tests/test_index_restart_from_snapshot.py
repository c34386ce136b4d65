"""A restarted process serves from the on-disk snapshot plus the changes logged after it, and
never from a snapshot of another database."""

from __future__ import annotations

import numpy as np

from takedown.banks import service as banks
from takedown.index.service import load_index
from takedown.settings import Settings
from takedown.store.db import session_scope


def _hexes(count: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, 32, dtype=np.uint8).tobytes().hex() for _ in range(count)]


def test_restart_loads_snapshot_and_replays_later_changes(settings: Settings) -> None:
    url = settings.resolved_database_url
    values = _hexes(300, 1)
    with session_scope(url) as db_session:
        banks.create_bank(db_session=db_session, name="b", category="csam", action="block")
        ids = banks.add_entries(
            db_session=db_session,
            bank="b",
            entries=[{"type": "pdq", "value": v} for v in values]
            + [{"type": "md5", "value": "ab" * 16}],
            added_by="t",
        ).entry_ids
    first = load_index(settings)
    assert first.loaded_from == "database"
    id_of = {v: first.query("pdq", v)[0].entry_id for v in values[:2]}
    md5_id = first.query("md5", "ab" * 16)[0].entry_id
    assert {*id_of.values(), md5_id} <= set(ids)
    first.close()  # waits for the snapshot writer
    assert (settings.index_dir / "CURRENT").exists()

    # Changes while no process runs: one added, one disabled.
    late = _hexes(1, 2)[0]
    with session_scope(url) as db_session:
        late_id = banks.add_entries(
            db_session=db_session, bank="b", entries=[{"type": "pdq", "value": late}], added_by="t"
        ).entry_ids[0]
        banks.set_entry_enabled(
            db_session=db_session, bank_name="b", entry_id=id_of[values[0]], enabled=False
        )

    second = load_index(settings)
    assert second.loaded_from == "snapshot"
    assert second.size() == {"pdq": 300, "md5": 1}
    assert [h.entry_id for h in second.query("pdq", late)] == [late_id]
    assert second.query("pdq", values[0]) == []
    assert [h.entry_id for h in second.query("pdq", values[1])] == [id_of[values[1]]]
    assert [h.entry_id for h in second.query("md5", "AB" * 16)] == [md5_id]
    second.close()


def test_snapshot_of_another_database_is_ignored(settings: Settings, tmp_path) -> None:
    url = settings.resolved_database_url
    with session_scope(url) as db_session:
        banks.create_bank(db_session=db_session, name="b", category="csam", action="block")
        banks.add_entries(
            db_session=db_session,
            bank="b",
            entries=[{"type": "pdq", "value": v} for v in _hexes(5, 3)],
            added_by="t",
        )
    load_index(settings).close()
    other = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'other.db'}"})
    from takedown.store.migrate import upgrade

    upgrade(other.resolved_database_url)
    index = load_index(other)
    assert index.loaded_from == "database"
    assert index.size() == {}
    index.close()
