"""Rule (property): a hash an exchange gave stays enabled in the bank while at least one of the
exchange's records holds it, and is disabled once none does, whatever order records arrive,
change their hashes and are deleted in, and however the updates are cut into batches. Checked
against a plain model over random NCMEC-shaped histories (records holding overlapping hashes)."""

from __future__ import annotations

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select
from threatexchange.exchanges.clients.ncmec.hash_api import NCMECEntryType, NCMECEntryUpdate

from takedown.banks.models import BankEntry
from takedown.banks.service import create_bank
from takedown.exchanges import apis, service
from takedown.settings import Settings
from takedown.store.db import session_scope

POOL = [f"{n:02x}" * 32 for n in range(1, 7)]  # six PDQ values the records share
RECORDS = ["e1", "e2", "e3", "e4"]

# One update: a record now holds this PDQ (an NCMEC image entry holds one), or None: the record
# is deleted (a tombstone).
updates = st.tuples(st.sampled_from(RECORDS), st.none() | st.sampled_from(POOL))
histories = st.lists(st.lists(updates, min_size=1, max_size=4), min_size=1, max_size=6)


def _record(entry_id: str, pdq: str | None) -> NCMECEntryUpdate:
    return NCMECEntryUpdate(
        id=entry_id,
        member_id=42,
        entry_type=NCMECEntryType.image,
        deleted=pdq is None,
        classification="A1",
        fingerprints={} if pdq is None else {"pdq": pdq},
        feedback={},
    )


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories)
def test_exchange_entry_stays_while_any_record_holds_it(settings: Settings, history) -> None:  # type: ignore[no-untyped-def]
    kind = apis.kind_of("ncmec")
    bank_name = f"ncmec-{abs(hash(str(history))) % 10**9}"
    with session_scope(settings.resolved_database_url) as db_session:
        bank = create_bank(db_session=db_session, name=bank_name, category="csam", action="block")
        bank_id = bank.id
    collab = apis.collab_config(kind, bank_name, {"environment": "Industry"})
    held: dict[str, str] = {}  # the model: record -> the hash it holds
    for batch in history:
        updates = {}
        for entry_id, pdq in batch:
            updates[entry_id] = _record(entry_id, pdq)  # a later update in a batch replaces
            if pdq is None:
                held.pop(entry_id, None)
            else:
                held[entry_id] = pdq
        with session_scope(settings.resolved_database_url) as db_session:
            service._apply(db_session, bank_id, kind, collab, updates)
        with session_scope(settings.resolved_database_url) as db_session:
            enabled = set(
                db_session.scalars(
                    select(BankEntry.value).where(
                        BankEntry.bank_id == bank_id, BankEntry.enabled.is_(True)
                    )
                )
            )
        assert enabled == set(held.values())
