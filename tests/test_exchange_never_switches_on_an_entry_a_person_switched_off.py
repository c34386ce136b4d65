"""An entry a person switched off (a reviewer's "misfiring", an appeal's overturn) stays off
whatever the exchange does: withdrawing the hash and listing it again, as a feed that deletes and
re-adds its entries does, does not switch it back on. An entry the exchange itself withdrew comes
back when it is listed again, and one a person switched on again is the exchange's again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from takedown.banks.models import BankEntry
from takedown.settings import Settings
from takedown.store.db import session_scope
from tests.exchange_support import enabled_values, sync_counts

MISFIRING, WITHDRAWN, SWITCHED_BACK, KEPT = "a" * 64, "c" * 62 + "00", "e" * 64, "f0" * 32


def _entry_id(settings: Settings, value: str) -> str:
    with session_scope(settings.resolved_database_url) as db_session:
        return str(db_session.scalar(select(BankEntry.id).where(BankEntry.value == value)))


def _list(path: Path, *values: str) -> None:
    path.write_text("".join(f"pdq {value}\n" for value in values))


def test_exchange_never_switches_on_an_entry_a_person_switched_off(
    settings: Settings,
    cli: Callable[..., object],
    client,  # type: ignore[no-untyped-def]
    auth_header: Callable[..., dict[str, str]],
    tmp_path: Path,
) -> None:
    feed = tmp_path / "feed.txt"
    _list(feed, MISFIRING, WITHDRAWN, SWITCHED_BACK, KEPT)
    created = cli("bank", "create", "feed", "--category", "csam", "--action", "block")
    assert created.exit_code == 0, created.output  # type: ignore[attr-defined]
    followed = cli(
        "exchange", "follow", "feed", "--exchange", "local_file", "--set", f"filename={feed}"
    )
    assert followed.exit_code == 0, followed.output  # type: ignore[attr-defined]
    assert sync_counts(cli, "feed")["added"] == 4

    off = cli("bank", "disable-entry", "feed", _entry_id(settings, MISFIRING))
    assert off.exit_code == 0, off.output  # type: ignore[attr-defined]
    switched_back = f"/v1/banks/feed/entries/{_entry_id(settings, SWITCHED_BACK)}"
    banks = auth_header("banks")
    assert client.post(f"{switched_back}/disable", headers=banks).status_code == 200
    assert client.post(f"{switched_back}/enable", headers=banks).status_code == 200
    assert enabled_values(settings) == {WITHDRAWN, SWITCHED_BACK, KEPT}

    _list(feed, KEPT)  # the feed withdraws three hashes ...
    assert sync_counts(cli, "feed")["retracted"] == 2
    assert enabled_values(settings) == {KEPT}

    _list(feed, MISFIRING, WITHDRAWN, SWITCHED_BACK, KEPT)  # ... and lists them again
    assert sync_counts(cli, "feed")["enabled"] == 2
    assert enabled_values(settings) == {WITHDRAWN, SWITCHED_BACK, KEPT}  # the person's "off" stands
