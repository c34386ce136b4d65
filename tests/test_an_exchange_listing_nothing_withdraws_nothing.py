"""A full fetch that lists nothing while the bank holds records (a followed file truncated while
it is rewritten, an exchange answering a stale checkpoint's full fetch with nothing) withdraws
nothing: the sync fails where people look (exit status, `last_error`, `failures`, the audit log)
and the bank keeps blocking. Listed again, the sync succeeds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from takedown.settings import Settings
from tests.exchange_support import enabled_values
from tests.review_support import make_user, staff_headers

LISTED = ["a" * 64, "c" * 62 + "00"]


def test_an_exchange_listing_nothing_withdraws_nothing(
    settings: Settings,
    cli: Callable[..., object],
    client,  # type: ignore[no-untyped-def]
    auth_header: Callable[..., dict[str, str]],
    tmp_path: Path,
) -> None:
    feed = tmp_path / "feed.txt"
    feed.write_text("".join(f"pdq {value}\n" for value in LISTED))
    assert cli("bank", "create", "feed", "--category", "csam", "--action", "block").exit_code == 0  # type: ignore[attr-defined]
    followed = cli(
        "exchange", "follow", "feed", "--exchange", "local_file", "--set", f"filename={feed}"
    )
    assert followed.exit_code == 0, followed.output  # type: ignore[attr-defined]
    assert cli("exchange", "sync", "feed").exit_code == 0  # type: ignore[attr-defined]

    feed.write_text("")
    emptied = cli("exchange", "sync", "feed")
    assert emptied.exit_code == 1  # type: ignore[attr-defined]
    said = " ".join(emptied.output.split())  # type: ignore[attr-defined]
    assert "listed nothing while 2 records are held: nothing withdrawn" in said
    assert enabled_values(settings) == set(LISTED)

    status = client.get("/v1/banks/feed/exchange", headers=auth_header("banks")).json()
    assert status["failures"] == 1 and "listed nothing" in status["last_error"]
    make_user(settings, "lead", "admin")
    lead = staff_headers(client, settings, "lead")
    audit = client.get("/v1/audit?subject=bank:feed", headers=lead).json()["entries"]
    assert any(e["action"] == "bank.exchange.sync_failed" for e in audit)

    feed.write_text(f"pdq {LISTED[0]}\n")
    assert cli("exchange", "sync", "feed").exit_code == 0  # type: ignore[attr-defined]
    assert enabled_values(settings) == {LISTED[0]}
