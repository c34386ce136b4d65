"""Rule: a bank's entry counts (enabled, and all) follow every change: hashes added by the API or
an import (duplicates skipped), entries disabled and enabled again, a hash banked by a decision,
the counts of banks that existed before the upgrade that started keeping them, and the counts once
the counts job has folded their rows. The counts are kept beside the bank, one row for each
transaction that changed them, not counted on each request: counting a 10,000,000-entry bank took
seconds on every bank page, bank list and add-hashes answer."""

from __future__ import annotations

import numpy as np
from sqlalchemy import func, select

from takedown.banks.models import Bank, BankEntry, BankEntryCount
from takedown.banks.scheduled import fold_counts
from takedown.store.db import session_scope
from tests.enforcement_support import decide_violating, report_with_media
from tests.media import generated_scene, jpeg


def _pdq(seed: int) -> str:
    return np.random.default_rng(seed).bytes(32).hex()


def _counted(settings, name: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        bank_id = db_session.scalar(select(Bank.id).where(Bank.name == name))
        entries = select(func.count()).select_from(BankEntry).where(BankEntry.bank_id == bank_id)
        return (
            db_session.scalar(entries.where(BankEntry.enabled.is_(True))) or 0,
            db_session.scalar(entries) or 0,
        )


def _shown(client, headers, name: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    bank = client.get(f"/v1/banks/{name}", headers=headers).json()
    listed = next(b for b in client.get("/v1/banks", headers=headers).json() if b["name"] == name)
    assert (listed["entries"], listed["entries_total"]) == (bank["entries"], bank["entries_total"])
    return bank["entries"], bank["entries_total"]


def test_bank_entry_counts_follow_every_change(client, settings, make_api_key):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {make_api_key('banks')}"}
    created = client.post(
        "/v1/banks", json={"name": "known", "category": "csam", "action": "block"}, headers=headers
    )
    assert created.status_code == 201, created.text

    def check(expected: tuple[int, int]) -> None:
        assert _shown(client, headers, "known") == expected == _counted(settings, "known")

    check((0, 0))
    added = client.post(
        "/v1/banks/known/entries",
        json={"entries": [{"signal_type": "pdq", "value": _pdq(n)} for n in (1, 2, 3, 3)]},
        headers=headers,
    ).json()
    assert added["added"] == 3
    check((3, 3))
    lines = "".join(f"pdq {_pdq(n)}\n" for n in (3, 4, 5))  # one already banked
    imported = client.post(
        "/v1/banks/known/import",
        files={"file": ("hashes.txt", lines.encode(), "text/plain")},
        data={"format": "text"},
        headers=headers,
    )
    assert imported.status_code == 200, imported.text
    check((5, 5))
    first = added["entry_ids"][0]
    for path, expected in (("disable", (4, 5)), ("disable", (4, 5)), ("enable", (5, 5))):
        answer = client.post(f"/v1/banks/known/entries/{first}/{path}", headers=headers)
        assert answer.status_code == 200, answer.text
        check(expected)


def test_a_hash_banked_by_a_decision_is_counted(client, settings, make_api_key):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {make_api_key('banks')}"}

    def banked() -> int:
        banks = client.get("/v1/banks", headers=headers).json()
        for bank in banks:
            assert (bank["entries"], bank["entries_total"]) == _counted(settings, bank["name"])
        return sum(bank["entries_total"] for bank in banks)

    before = banked()
    case = report_with_media(client, jpeg(generated_scene(91)), content_id="p1", account_id="a")
    decide_violating(client, settings, case["case_id"], "r1", classification="A1")
    assert banked() > before


def test_banks_counted_before_the_upgrade_keep_their_counts(  # type: ignore[no-untyped-def]
    database_url, client, settings, make_api_key
):
    from alembic import command

    from takedown.store.migrate import alembic_config, upgrade

    headers = {"Authorization": f"Bearer {make_api_key('banks')}"}
    client.post(
        "/v1/banks", json={"name": "old", "category": "ncii", "action": "review"}, headers=headers
    )
    added = client.post(
        "/v1/banks/old/entries",
        json={"entries": [{"signal_type": "pdq", "value": _pdq(n)} for n in range(4)]},
        headers=headers,
    ).json()
    client.post(f"/v1/banks/old/entries/{added['entry_ids'][0]}/disable", headers=headers)
    command.downgrade(alembic_config(database_url), "0033_cleanup_queue")
    upgrade(database_url)
    assert _shown(client, headers, "old") == (3, 4) == _counted(settings, "old")


def test_folding_the_count_rows_keeps_the_counts(client, settings, make_api_key):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {make_api_key('banks')}"}
    client.post(
        "/v1/banks", json={"name": "busy", "category": "csam", "action": "block"}, headers=headers
    )
    for first in range(0, 9, 3):
        added = client.post(
            "/v1/banks/busy/entries",
            json={
                "entries": [
                    {"signal_type": "pdq", "value": _pdq(n)} for n in range(first, first + 3)
                ]
            },
            headers=headers,
        ).json()
    client.post(f"/v1/banks/busy/entries/{added['entry_ids'][0]}/disable", headers=headers)
    assert _shown(client, headers, "busy") == (8, 9) == _counted(settings, "busy")

    assert fold_counts(settings) >= 3
    assert fold_counts(settings) == 0
    assert _shown(client, headers, "busy") == (8, 9)
    with session_scope(settings.resolved_database_url) as db_session:
        rows = db_session.scalars(select(BankEntryCount.bank_id)).all()
    assert sorted(rows) == sorted(set(rows))  # one row a bank
